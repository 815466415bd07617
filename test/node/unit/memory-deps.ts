/**
 * In-memory stand-ins for the storage ports, for Node-side unit tests of the
 * domain (and for StrykerJS, whose runner cannot start workerd). They keep
 * the ports' semantics simply; the real adapters are held to the same
 * contracts by test/contracts in the worker project.
 */
import { DEFAULT_PREFERENCES, type Preferences } from "../../../src/domain/preferences";
import { exportJWK, generateKeyPair } from "jose";
import type { SignInDeps } from "../../../src/domain/sign-in";
import { checkCode, emptyLedger, issueCode, restoreCode, withdrawCode, type LedgerState } from "../../../src/domain/phone-ledger";
import type {
  AttemptPolicy,
  AuthEvent,
  CheckOutcome,
  IssueOutcome,
  IssuePolicy,
  OtpLedger,
  OtpPurpose,
  OtpRecord,
  PinAttempt,
  PinRecord,
  RateDecision,
  RateLimiter,
  SessionRecord,
  SessionStore,
  SmsMessage,
  UserRecord,
  UserStore,
} from "../../../src/domain/ports";
import { randomId, toBase64url } from "../../../src/lib/crypto";
import { loadSigningKey } from "../../../src/lib/jwt";
import { secretKeys } from "../../../src/lib/keys";

/** The ledger's pure state machine over a Map: the same rules as the PhoneLedger Durable Object. */
export class MemoryOtpLedger implements OtpLedger {
  readonly states = new Map<string, LedgerState>();
  state(phoneHash: string): LedgerState {
    let s = this.states.get(phoneHash);
    if (!s) this.states.set(phoneHash, (s = emptyLedger()));
    return s;
  }
  async issue(phoneHash: string, purpose: OtpPurpose, digest: string, policy: IssuePolicy, now: number): Promise<IssueOutcome> {
    return issueCode(this.state(phoneHash), purpose, digest, randomId(8), policy, now);
  }
  async withdraw(phoneHash: string, purpose: OtpPurpose, ticket: string, now: number): Promise<void> {
    withdrawCode(this.state(phoneHash), purpose, ticket, now);
  }
  async check<T>(phoneHash: string, purpose: OtpPurpose, guess: string, policy: AttemptPolicy, now: number, onMatch: () => Promise<T>): Promise<CheckOutcome<T>> {
    const step = checkCode(this.state(phoneHash), purpose, guess, policy, now);
    if (step.status === "no_code") return { status: "no_code", reason: "no_live_code" };
    if (step.status !== "verified") return step;
    return { status: "verified", record: step.record, matched: onMatch(), followUp: null };
  }
  async restore(phoneHash: string, purpose: OtpPurpose, record: OtpRecord, now: number): Promise<void> {
    restoreCode(this.state(phoneHash), purpose, record, now);
  }
  async erase(phoneHash: string): Promise<void> {
    this.states.delete(phoneHash);
  }
  async ping(): Promise<void> {}
}

/** Grants everything (limits are not what these unit tests are about). */
export class OpenLimiter implements RateLimiter {
  async hit(): Promise<RateDecision> {
    return { allowed: true, remaining: 1, token: randomId(8) };
  }
  async refund(): Promise<void> {}
  async reset(): Promise<void> {}
}

export class MemorySessionStore implements SessionStore {
  readonly sessions = new Map<string, SessionRecord>();
  async create(s: SessionRecord): Promise<void> {
    this.sessions.set(`${s.userId}:${s.id}`, { ...s });
  }
  async get(userId: string, sessionId: string, now: number): Promise<SessionRecord | null> {
    const s = this.sessions.get(`${userId}:${sessionId}`);
    return s && s.expiresAt > now ? { ...s } : null;
  }
  async rotate(userId: string, sessionId: string, expected: string, next: string, now: number, reauthenticatedWith: string[] | null): Promise<boolean> {
    const s = await this.get(userId, sessionId, now);
    if (!s || s.tokenHash !== expected) return false;
    this.sessions.set(`${userId}:${sessionId}`, { ...s, tokenHash: next, lastSeenAt: now, ...(reauthenticatedWith ? { lastAuthAt: now, amr: reauthenticatedWith } : {}) });
    return true;
  }
  async touch(userId: string, sessionId: string, now: number): Promise<void> {
    const s = await this.get(userId, sessionId, now);
    if (s && (s.lastSeenAt ?? 0) < now) this.sessions.set(`${userId}:${sessionId}`, { ...s, lastSeenAt: now });
  }
  async revoke(userId: string, sessionId: string): Promise<boolean> {
    return this.sessions.delete(`${userId}:${sessionId}`);
  }
  async revokeAll(userId: string): Promise<number> {
    let n = 0;
    for (const k of [...this.sessions.keys()]) if (k.startsWith(`${userId}:`) && this.sessions.delete(k)) n++;
    return n;
  }
  async list(userId: string, now: number): Promise<SessionRecord[]> {
    return [...this.sessions.values()].filter((s) => s.userId === userId && s.expiresAt > now);
  }
}

export class MemoryUserStore implements UserStore {
  readonly users = new Map<string, UserRecord>();
  readonly phones = new Map<string, string>();
  async findOrCreateByPhone(phoneHash: string, ciphertext: string, now: number): Promise<{ user: UserRecord; created: boolean }> {
    const found = [...this.users.values()].find((u) => u.phoneHash === phoneHash);
    if (found) return { user: found, created: false };
    const user: UserRecord = { id: randomId(), phoneHash, createdAt: now, lastLoginAt: null, biometricEnabled: false, pinEnabled: false, pinFailures: 0, lastCountry: null };
    this.users.set(user.id, user);
    this.phones.set(user.id, ciphertext);
    return { user, created: true };
  }
  readonly prefs = new Map<string, Preferences>();
  async preferences(id: string): Promise<Preferences | null> {
    return this.users.has(id) ? (this.prefs.get(id) ?? DEFAULT_PREFERENCES) : null;
  }
  async putPreferences(id: string, next: Preferences, expectedVersion: number): Promise<boolean> {
    if (!this.users.has(id) || (this.prefs.get(id)?.version ?? 0) !== expectedVersion) return false;
    this.prefs.set(id, next);
    return true;
  }
  async changePhone(id: string, phoneHash: string, ciphertext: string): Promise<"changed" | "in_use" | "gone"> {
    const user = this.users.get(id);
    if (!user) return "gone";
    if ([...this.users.values()].some((u) => u.phoneHash === phoneHash)) return "in_use";
    this.users.set(id, { ...user, phoneHash });
    this.phones.set(id, ciphertext);
    return "changed";
  }
  async staleCiphertexts(currentKeyId: string, limit: number): Promise<{ id: string; ciphertext: string }[]> {
    return [...this.phones].filter(([, c]) => !c.startsWith(`v1.${currentKeyId}.`)).slice(0, limit).map(([id, ciphertext]) => ({ id, ciphertext }));
  }
  async replaceCiphertext(id: string, expected: string, next: string): Promise<boolean> {
    if (this.phones.get(id) !== expected) return false;
    this.phones.set(id, next);
    return true;
  }
  async phoneHeld(phoneHash: string): Promise<boolean> {
    return [...this.users.values()].some((u) => u.phoneHash === phoneHash);
  }
  async deleteUser(id: string): Promise<void> {
    this.users.delete(id);
    this.phones.delete(id);
  }
  async phoneCiphertext(id: string): Promise<string | null> {
    return this.phones.get(id) ?? null;
  }
  async getById(id: string): Promise<UserRecord | null> {
    return this.users.get(id) ?? null;
  }
  readonly pins = new Map<string, PinRecord>();
  async recordLogin(id: string, now: number): Promise<void> {
    const u = this.users.get(id);
    if (u) Object.assign(u, { lastLoginAt: now, pinFailures: 0 });
  }
  async setPin(id: string, pin: PinRecord): Promise<boolean> {
    const u = this.users.get(id);
    if (!u) return false;
    this.pins.set(id, pin);
    Object.assign(u, { pinEnabled: true, pinFailures: 0 });
    return true;
  }
  async removePin(id: string): Promise<boolean> {
    const u = this.users.get(id);
    if (!u?.pinEnabled) return false;
    this.pins.delete(id);
    Object.assign(u, { pinEnabled: false, pinFailures: 0 });
    return true;
  }
  async countPinAttempt(id: string, maxAttempts: number): Promise<PinAttempt> {
    const u = this.users.get(id);
    const record = this.pins.get(id);
    if (!u || !record) return { status: "not_set" };
    if (u.pinFailures >= maxAttempts) return { status: "locked" };
    u.pinFailures++;
    return { status: "counted", record, failuresBefore: u.pinFailures - 1 };
  }
  async clearPinFailures(id: string): Promise<void> {
    const u = this.users.get(id);
    if (u) u.pinFailures = 0;
  }
  async ping(): Promise<void> {}
}

const secret = (): string => toBase64url(crypto.getRandomValues(new Uint8Array(32)));

/** A fresh Ed25519 private JWK (with kid) as the JWT_PRIVATE_JWK secret holds it. */
export async function freshPrivateJwk(alg: "EdDSA" | "ES256" = "EdDSA"): Promise<string> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
  return JSON.stringify({ ...(await exportJWK(privateKey)), kid: `k-${randomId(6)}` });
}

/** Sign-in dependencies on in-memory stores, fresh secrets and a movable clock. */
export async function memoryDeps(): Promise<SignInDeps & { ledger: MemoryOtpLedger; sent: SmsMessage[]; emitted: AuthEvent[]; clock: { t: number } }> {
  const sent: SmsMessage[] = [];
  const emitted: AuthEvent[] = [];
  const clock = { t: Date.now() };
  const signingKey = await loadSigningKey(await freshPrivateJwk());
  return {
    policy: {
      ttlSeconds: 300,
      resendCooldownSeconds: 60,
      maxSendsPerHour: 3,
      maxAttempts: 3,
      lockoutSeconds: 900,
      failureWindowSeconds: 3600,
      message: { template: "Your code is {code}.", templates: {}, appName: "Test", originBoundDomain: null, androidHash: null },
      ipSendLimit: 30,
      ipVerifyLimit: 100,
      ipWindowSeconds: 300,
    },
    numberPolicy: { blocked: new Set(), allowCountries: null, denyCountries: new Set() },
    testNumbers: new Map(),
    riskThreshold: 0,
    pinMaxAttempts: 5,
    devices: { get: async () => null, create: async () => undefined, rotate: async () => false, listForUser: async () => [], revokeAllForUser: async () => 0 },
    deviceTtlMs: 86_400_000,
    maxDevicesPerUser: 10,
    budgets: {
      store: { charge: async (rules) => ({ status: "charged", counts: rules.map(() => 1), watched: [0] }), refund: async () => undefined, bump: async () => undefined, block: async () => undefined },
      prefixHourly: Infinity,
      countryDaily: new Map(),
      globalDaily: Infinity,
      conversion: { minSends: 0, minRate: 0, blockMs: 0 },
    },
    botCheck: { verifier: null, mode: "always", hostnames: new Set(), action: null },
    lineTypes: { lookup: null, cache: { get: async () => null, put: async () => undefined }, blocked: new Set(), onFailure: "allow", cacheMs: 0 },
    keys: await secretKeys({ otpPepper: secret(), phoneDataKey: secret(), pinPepper: secret(), phoneDataKeys: [], phoneIndexKey: null }),
    ledger: new MemoryOtpLedger(),
    ipLimiter: new OpenLimiter(),
    sms: {
      provider: "console",
      send: async (m) => {
        sent.push(m);
        return { messageId: null };
      },
    },
    smsFallback: null,
    voice: null,
    voiceKeypress: false,
    voicePolicy: { allowCountries: [], templates: {}, appName: "test" },
    receipts: false,
    users: new MemoryUserStore(),
    sessions: new MemorySessionStore(),
    events: { emit: (e) => void emitted.push(e) },
    signingKey,
    verificationKeys: [signingKey],
    token: { issuer: "iss", audience: "aud", ttlSeconds: 3600 },
    idleTimeoutMs: 0,
    now: () => clock.t,
    background: (_task, work) => void work().catch(() => undefined),
    sent,
    emitted,
    clock,
  };
}
