/**
 * Every filter, update and projection the MongoDB user store sends for PINs,
 * and the rule that turns results into a PinAttempt (pure: no driver,
 * unit-tested without a server in test/node/mongo-pin.pure.test.ts). Only
 * the driver calls in user-store.ts need a real server.
 *
 * The PIN record lives in `authMethods.pin` (the design's place for it) and
 * is read only by `countPinAttempt`; the user projection names the flag and
 * the failure count alone, so a hash never leaves the database otherwise.
 */
import type { AnyBulkWriteOperation, Document, Filter, UpdateFilter } from "mongodb";
import type { PinAttempt, PinRecord } from "../../domain/ports";

export const PIN = "authMethods.pin";
export const PIN_ENABLED = "authMethods.pin.enabled";
export const PIN_FAILURES = "authMethods.pin.failedAttempts";

/** `authMethods.pin` as stored: the KDF record, the flag and the wrong-PIN count. */
export interface PinDocument extends PinRecord {
  enabled: true;
  failedAttempts: number;
  updatedAt: Date;
}

/** The part of a user document the PIN queries read and write. */
export interface PinHolder {
  _id: string;
  lastLogin?: Date | null;
  lastCountry?: string | null;
  authMethods?: { pin?: PinDocument | null };
}

export interface PinUpdate {
  filter: Filter<PinHolder>;
  update: UpdateFilter<PinHolder>;
}

/** Sets (or replaces) the PIN with a zero count. The whole subdocument is set: a dotted $set through `pin: null` fails. */
export function setPinQuery(userId: string, pin: PinRecord, now: number): PinUpdate {
  const doc: PinDocument = {
    enabled: true,
    alg: pin.alg,
    iterations: pin.iterations,
    salt: pin.salt,
    hash: pin.hash,
    pepperVersion: pin.pepperVersion,
    failedAttempts: 0,
    updatedAt: new Date(now),
  };
  return { filter: { _id: { $eq: userId } }, update: { $set: { [PIN]: doc } } };
}

/** Removes a PIN that is there (so `matchedCount` says whether one was). */
export function removePinQuery(userId: string): PinUpdate {
  return { filter: { _id: { $eq: userId }, [PIN_ENABLED]: true }, update: { $set: { [PIN]: null } } };
}

/**
 * Counts one attempt in the same atomic update that checks the cap (PIN-03):
 * the filter matches only while fewer than `maxAttempts` are counted, so of
 * concurrent attempts at most `maxAttempts` ever match. `$not: {$gte}` also
 * matches a record without a count ($inc then starts it at 1).
 */
export function countPinAttemptQuery(userId: string, maxAttempts: number): PinUpdate & { projection: Document } {
  return {
    filter: { _id: { $eq: userId }, [PIN_ENABLED]: true, [PIN_FAILURES]: { $not: { $gte: maxAttempts } } },
    update: { $inc: { [PIN_FAILURES]: 1 } },
    projection: { _id: 0, [PIN]: 1 },
  };
}

/** When the counting update matched nothing: is there a PIN (then it is locked) or none? */
export function pinStateQuery(userId: string): { filter: Filter<PinHolder>; projection: Document } {
  return { filter: { _id: { $eq: userId } }, projection: { _id: 0, [PIN_ENABLED]: 1 } };
}

/**
 * The outcome: `counted` is the document after the counting update (null
 * when it matched nothing), `state` the answer of pinStateQuery.
 */
export function toPinAttempt(counted: PinHolder | null, state: PinHolder | null): PinAttempt {
  const pin = counted?.authMethods?.pin;
  if (pin) {
    const record: PinRecord = { alg: pin.alg, iterations: pin.iterations, salt: pin.salt, hash: pin.hash, pepperVersion: pin.pepperVersion };
    return { status: "counted", record, failuresBefore: pin.failedAttempts - 1 };
  }
  return state?.authMethods?.pin?.enabled === true ? { status: "locked" } : { status: "not_set" };
}

/** Clears the count of a PIN that has failures (no write otherwise; no match when there is no PIN). */
export function clearPinFailuresQuery(userId: string): PinUpdate {
  return { filter: { _id: { $eq: userId }, [PIN_FAILURES]: { $gt: 0 } }, update: { $set: { [PIN_FAILURES]: 0 } } };
}

/**
 * A sign-in: the last-login time and the wrong-PIN count cleared, in one
 * round trip. Two updates, not one: a dotted $set of the count would fail on
 * a user whose `pin` is null, and the second filter matches only a PIN with
 * failures.
 */
export function recordLoginWrites(userId: string, now: number, country: string | null = null): AnyBulkWriteOperation<PinHolder>[] {
  const clear = clearPinFailuresQuery(userId);
  // An unknown country keeps the last known one (risk assessment).
  const set = country ? { lastLogin: new Date(now), lastCountry: country } : { lastLogin: new Date(now) };
  return [
    { updateOne: { filter: { _id: { $eq: userId } }, update: { $set: set } } },
    { updateOne: { filter: clear.filter, update: clear.update } },
  ];
}
