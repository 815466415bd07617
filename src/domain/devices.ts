import { constantTimeEqual, randomId, sha256, toBase64url } from "../lib/crypto";

/**
 * Recognised devices (FRAUD-05, OWASP's device cookie): a successful sign-in
 * on a device returns an opaque `deviceToken` bound to the user and the
 * phone. A request-otp or verify-otp that brings a valid one for that phone
 * gets a send quota and attempt counter of its own, per (phone, device), so
 * what strangers do to the number (guessing until it locks, taking its
 * hourly sends) cannot lock out or use up a device the person has signed in
 * on before. Without one, requests share the phone's anonymous budget.
 */

export interface DeviceRecord {
  /** 128-bit random id, base64url; the first half of the token. */
  id: string;
  userId: string;
  /** The phone it was issued for: the token is recognised for that number only. */
  phoneHash: string;
  /** base64url SHA-256 of the token's secret half (never the token). */
  secretHash: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
}

/** Where recognised devices live (contract: test/contracts/device-store.contract.ts). */
export interface DeviceStore {
  get(id: string, now: number): Promise<DeviceRecord | null>;
  /**
   * Stores a new device and keeps at most `maxPerUser` live devices for its
   * user: the least recently used beyond that are forgotten in the same step.
   */
  create(record: DeviceRecord, maxPerUser: number): Promise<void>;
  /** Replaces the secret by compare-and-set (the token rotates on each sign-in); false when it changed meanwhile. */
  rotate(id: string, expectedSecretHash: string, newSecretHash: string, now: number, expiresAt: number): Promise<boolean>;
  /** The user's live devices, most recently used first. */
  listForUser(userId: string, now: number): Promise<DeviceRecord[]>;
  /** Forgets every device of the user but `keepId`; returns how many live ones were forgotten. */
  revokeAllForUser(userId: string, keepId: string | null, now: number): Promise<number>;
}

export interface DeviceDeps {
  devices: DeviceStore;
  deviceTtlMs: number;
  /**
   * MAX_DEVICES_PER_USER. Why a cap: each recognised device has a guess
   * budget of its own for the phone, so the phone-wide bound on wrong codes
   * per day is the anonymous bound times (1 + this); the oldest device is
   * forgotten when a new one would pass it.
   */
  maxDevicesPerUser: number;
}

async function secretHash(secret: string): Promise<string> {
  return toBase64url(await sha256(`device.v1|${secret}`));
}

function parseToken(token: string | undefined): { id: string; secret: string } | null {
  const match = token ? /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(token) : null;
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/** The device a token names, when it is live, genuine and issued for this phone; else null (never an error: the request is then anonymous). */
export async function recognisedDevice(deps: DeviceDeps, token: string | undefined, phoneHash: string, now: number): Promise<DeviceRecord | null> {
  const parsed = parseToken(token);
  if (!parsed) return null;
  // A store that does not answer makes the request anonymous, not an error: recognition only ever adds.
  const record = await deps.devices.get(parsed.id, now).catch(() => null);
  if (!record || record.expiresAt <= now || record.phoneHash !== phoneHash) return null;
  return constantTimeEqual(await secretHash(parsed.secret), record.secretHash) ? record : null;
}

/** The per-(phone, device) ledger key of a recognised device; the phone's own key otherwise. */
export function ledgerKey(phoneHash: string, device: { id: string } | null): string {
  return device ? `${phoneHash}.${device.id}` : phoneHash;
}

/** The id the device of a sign-in will have: the recognised device's own, or a new one (stored on the session, so "sign out other sessions" can keep this device). */
export function deviceIdForSignIn(device: DeviceRecord | null, userId: string): string {
  return device && device.userId === userId ? device.id : randomId(16);
}

/**
 * The token to hand back after a sign-in: the recognised device's token
 * rotated (a new secret, the old one refused from now on), or a new device
 * with the id `deviceIdForSignIn` chose. Under a race (two sign-ins with one
 * token) the loser gets a new device.
 */
export async function deviceTokenAfterSignIn(
  deps: DeviceDeps,
  device: DeviceRecord | null,
  userId: string,
  phoneHash: string,
  now: number,
  id: string = deviceIdForSignIn(device, userId),
): Promise<string> {
  const secret = randomId(32);
  const hash = await secretHash(secret);
  const expiresAt = now + deps.deviceTtlMs;
  if (device && device.id === id && device.userId === userId && (await deps.devices.rotate(device.id, device.secretHash, hash, now, expiresAt))) return `${device.id}.${secret}`;
  const newId = device && device.id === id ? randomId(16) : id;
  await deps.devices.create({ id: newId, userId, phoneHash, secretHash: hash, createdAt: now, lastUsedAt: now, expiresAt }, deps.maxDevicesPerUser);
  return `${newId}.${secret}`;
}
