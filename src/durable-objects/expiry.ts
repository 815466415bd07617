/**
 * Expiry for Durable Object records that carry an `expiresAt` (epoch ms):
 * one alarm at the earliest expiry under a key prefix, and a sweep that
 * deletes what has expired and re-arms the alarm for what remains.
 */
interface Expiring {
  expiresAt: number;
}

/** Points the alarm at the earliest `expiresAt` under `prefix`, or clears it when none is left. */
export async function scheduleExpiry(storage: DurableObjectStorage, prefix: string): Promise<void> {
  let earliest = Infinity;
  for (const [, record] of storage.kv.list<Expiring>({ prefix })) earliest = Math.min(earliest, record.expiresAt);
  if (earliest === Infinity) await storage.deleteAlarm();
  else await storage.setAlarm(earliest);
}

/** Deletes records under `prefix` that expired by `now`, then re-arms the alarm. */
export async function sweepExpired(storage: DurableObjectStorage, prefix: string, now: number): Promise<void> {
  for (const [key, record] of storage.kv.list<Expiring>({ prefix })) {
    if (record.expiresAt <= now) storage.kv.delete(key);
  }
  await scheduleExpiry(storage, prefix);
}
