import { runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../src/config";
import { generateOtp, otpDigest } from "../../src/domain/otp";
import { requestOtp, verifyOtp } from "../../src/domain/sign-in";
import { AuthError, DependencyError } from "../../src/errors";
import { constantTimeEqual, sha256, toBase64url } from "../../src/lib/crypto";
import { phoneHash } from "../../src/lib/keys";
import {
  call,
  currentProfile,
  expectError,
  latestCode,
  ledgerStub,
  plantCode,
  PROFILES,
  redisCommand,
  requestCode,
  services,
  storedCode,
  testEnv,
  uniqueIp,
  uniquePhone,
  useProfile,
  wrongCode,
} from "./helpers";

const client = () => ({ ip: uniqueIp(), userAgent: "vitest", country: null });

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Makes the platform CSPRNG hand out `values` to single-word requests (the
 * code generator's Uint32Array(1)); every other request (ids, nonces, keys)
 * still gets real random bytes. Returns how many values were taken.
 */
function stubCodeDraws(values: number[]): { taken: () => number } {
  const real = crypto.getRandomValues.bind(crypto);
  let taken = 0;
  vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends Parameters<Crypto["getRandomValues"]>[0]>(array: T): T => {
    if (array instanceof Uint32Array && array.length === 1 && values.length > 0) {
      array[0] = values.shift()!;
      taken++;
      return array;
    }
    return real(array);
  });
  return { taken: () => taken };
}

async function authErrorOf(p: Promise<unknown>): Promise<AuthError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  return err as AuthError;
}

/** Services whose clock is a variable the test moves. */
async function clocked(start = Date.now()) {
  const clock = { t: start };
  const deps = await services({ now: () => clock.t });
  return { deps, clock };
}

/** Everything stored for a phone's codes, as text, in the current profile. */
async function storedCodes(hash: string): Promise<string> {
  if (currentProfile().name === "upstash") {
    return JSON.stringify(await redisCommand(["MGET", ...["sign_in", "step_up", "sign_in:replaced", "step_up:replaced", "sends"].map((k) => `otp:{${hash}}:${k}`)]));
  }
  return runInDurableObject(ledgerStub(hash), (_o, state) =>
    JSON.stringify([...state.storage.kv.list()]),
  );
}

/** When the stored code for `hash` will be deleted at rest (epoch ms). */
async function storedCodeExpiry(hash: string): Promise<number | null> {
  if (currentProfile().name === "upstash") {
    const pttl = Number(await redisCommand(["PTTL", `otp:{${hash}}:sign_in`]));
    return pttl > 0 ? Date.now() + pttl : null;
  }
  return ledgerStub(hash).alarmAt();
}

describe.each(PROFILES)("one-time codes ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("OTP-01: codes are 6 digits, uniform by chi-square over 100,000 codes, with rejection sampling", () => {
    const N = 100_000;
    const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < N; i++) {
      const code = generateOtp();
      expect(code).toMatch(/^\d{6}$/);
      for (let p = 0; p < 6; p++) counts[p]![code.charCodeAt(p) - 48]!++;
    }
    const expected = N / 10;
    for (const position of counts) {
      const chi2 = position.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
      // 9 degrees of freedom; 33.72 is the p = 0.0001 critical value.
      expect(chi2).toBeLessThan(33.72);
    }
    // Values in the biased tail (>= 4,294,000,000) are drawn again, not folded.
    const draws = [0xffffffff, 4_294_000_000, 123_456];
    const code = generateOtp((buf) => {
      buf[0] = draws.shift()!;
    });
    expect(code).toBe("123456");
    expect(draws).toHaveLength(0);
  });

  it("OTP-01: the generator draws from crypto.getRandomValues, on its default path and through request-otp", async () => {
    // A chi-square test cannot tell a CSPRNG from Math.random: watch the source instead.
    const spy = vi.spyOn(crypto, "getRandomValues");
    expect(generateOtp()).toMatch(/^\d{6}$/);
    expect(spy).toHaveBeenCalled();
    expect(spy.mock.calls[0]![0]).toBeInstanceOf(Uint32Array);
    vi.restoreAllMocks();

    // With the CSPRNG stubbed, the default path's code is exactly what it drew
    // (the first draw lies in the biased tail and is drawn again).
    const draws = stubCodeDraws([0xffff_ffff, 7_654_321]);
    expect(generateOtp()).toBe("654321");
    expect(draws.taken()).toBe(2);
    vi.restoreAllMocks();

    // The code the Worker texts is the one the CSPRNG gave.
    const phone = uniquePhone();
    const ip = uniqueIp();
    const sent = stubCodeDraws([4_000_013_579]);
    const res = await call("/auth/request-otp", { body: { phone }, ip });
    vi.restoreAllMocks();
    expect(res.status).toBe(200);
    expect(sent.taken()).toBe(1);
    expect(await latestCode(phone)).toBe("013579");
  });

  it("OTP-02: the store holds an HMAC over purpose, phone and code, never the code", async () => {
    const phone = uniquePhone();
    const code = await requestCode(phone);
    const deps = await services();
    const hash = await phoneHash(deps.keys, phone);
    const stored = await storedCodes(hash);
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(phone);
    expect(stored).toContain(await otpDigest(deps.keys.otp, "sign_in", phone, code));
    // A bare SHA-256 of the code or of the bound message (brute-forced in a
    // millisecond) is not what is stored.
    expect(stored).not.toContain(toBase64url(await sha256(code)));
    expect(stored).not.toContain(toBase64url(await sha256(`otp.v1|sign_in|${phone}|${code}`)));
    // The digest depends on the server secret: another pepper gives another digest.
    const otherKey = await services({}, { OTP_PEPPER: "b".repeat(43) });
    expect(stored).not.toContain(await otpDigest(otherKey.keys.otp, "sign_in", phone, code));
  });

  it("OTP-03: a code expires after its TTL, the stored record carries that TTL, and TTL > 600 s is refused", async () => {
    const { deps, clock } = await clocked();
    const phone = uniquePhone();
    const c = client();
    await requestOtp(deps, { phone }, c);
    const code = await latestCode(phone);
    clock.t += 300_001;
    expect((await authErrorOf(verifyOtp(deps, { phone, otp: code }, c))).code).toBe("otp_expired");

    const hash = await phoneHash(deps.keys, phone);
    const live = uniquePhone();
    const before = Date.now();
    await requestCode(live);
    const liveHash = await phoneHash(deps.keys, live);
    const alarm = await storedCodeExpiry(liveHash);
    expect(alarm).not.toBeNull();
    expect(alarm! - before).toBeGreaterThanOrEqual(299_000);
    expect(alarm! - before).toBeLessThanOrEqual(301_000);
    expect(hash).toBeTruthy();

    const bad = parseConfig({ ...testEnv, OTP_TTL_SECONDS: "601" });
    expect(bad.ok).toBe(false);
  });

  it("OTP-04: a code verifies only once", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    const code = await requestCode(phone, ip);
    expect((await call("/auth/verify-otp", { body: { phone, otp: code }, ip })).status).toBe(200);
    await expectError(await call("/auth/verify-otp", { body: { phone, otp: code }, ip }), 400, "otp_expired");
  });

  it("OTP-05: 20 concurrent verifies with the right code give one success, one session, one user", async () => {
    const phone = uniquePhone();
    const code = await requestCode(phone);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => call("/auth/verify-otp", { body: { phone, otp: code }, ip: uniqueIp() })),
    );
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    const { user } = (await ok[0]!.json()) as { user: { id: string } };
    const deps = await services();
    expect(await deps.sessions.list(user.id, Date.now())).toHaveLength(1);
    const hash = await phoneHash(deps.keys, phone);
    const rows = await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE phone_hash = ?").bind(hash).first<{ n: number }>();
    expect(rows?.n).toBe(1);
    for (const r of responses.filter((r) => r.status !== 200)) {
      expect([400, 429]).toContain(r.status);
    }
  });

  it("OTP-06: 50 concurrent wrong guesses are evaluated at most 3 times, then even the right code is locked out", async () => {
    const phone = uniquePhone();
    const code = await requestCode(phone);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => call("/auth/verify-otp", { body: { phone, otp: wrongCode(code) }, ip: uniqueIp() })),
    );
    const codes = await Promise.all(responses.map(async (r) => ((await r.json()) as { error: { code: string } }).error.code));
    expect(codes.filter((c) => c === "otp_invalid")).toHaveLength(3);
    expect(codes.filter((c) => c === "too_many_attempts")).toHaveLength(47);
    await expectError(await call("/auth/verify-otp", { body: { phone, otp: code }, ip: uniqueIp() }), 429, "too_many_attempts");
  });

  it("OTP-07: asking for a new code does not reset the failed-attempt count", async () => {
    const { deps, clock } = await clocked();
    const phone = uniquePhone();
    const c = client();
    await requestOtp(deps, { phone }, c);
    const first = await latestCode(phone);
    const e1 = await authErrorOf(verifyOtp(deps, { phone, otp: wrongCode(first) }, c));
    expect(e1.details.attemptsRemaining).toBe(2);
    clock.t += 61_000; // past the resend cooldown
    await requestOtp(deps, { phone }, c);
    const second = await latestCode(phone);
    const e2 = await authErrorOf(verifyOtp(deps, { phone, otp: wrongCode(second) }, c));
    expect(e2.details.attemptsRemaining).toBe(1);
  });

  it("OTP-08: a success clears the failure count", async () => {
    const { deps, clock } = await clocked();
    const phone = uniquePhone();
    const c = client();
    await requestOtp(deps, { phone }, c);
    const code = await latestCode(phone);
    await authErrorOf(verifyOtp(deps, { phone, otp: wrongCode(code) }, c));
    await authErrorOf(verifyOtp(deps, { phone, otp: wrongCode(code) }, c));
    await verifyOtp(deps, { phone, otp: code }, c);
    // The reset runs after the answer (waitUntil in the Worker).
    await deps.settle();
    clock.t += 61_000;
    await requestOtp(deps, { phone }, c);
    const next = await latestCode(phone);
    const e = await authErrorOf(verifyOtp(deps, { phone, otp: wrongCode(next) }, c));
    expect(e.details.attemptsRemaining).toBe(2);
  });

  it("OTP-09: during lockout the right code gets the wrong code's answer, and knocking does not extend it", async () => {
    const { deps, clock } = await clocked();
    const phone = uniquePhone();
    const c = client();
    await requestOtp(deps, { phone }, c);
    const code = await latestCode(phone);
    for (const left of [2, 1, 0]) {
      expect((await authErrorOf(verifyOtp(deps, { phone, otp: wrongCode(code) }, c))).details.attemptsRemaining).toBe(left);
    }
    const wrong = await authErrorOf(verifyOtp(deps, { phone, otp: wrongCode(code) }, c));
    const right = await authErrorOf(verifyOtp(deps, { phone, otp: code }, c));
    expect([right.code, right.status, right.message, right.details]).toEqual([wrong.code, wrong.status, wrong.message, wrong.details]);
    expect(right.code).toBe("too_many_attempts");
    expect(right.retryAfterSeconds).toBe(900);

    clock.t += 200_000; // knock again while the code is still live
    const mid = await authErrorOf(verifyOtp(deps, { phone, otp: code }, c));
    expect(mid.retryAfterSeconds).toBe(700);
    clock.t += 400_000; // no fresh code is sent during the lockout (SEND-08), and asking does not extend it
    const resend = await authErrorOf(requestOtp(deps, { phone }, c));
    expect([resend.code, resend.retryAfterSeconds]).toEqual(["too_many_attempts", 300]);
    clock.t += 300_001; // the original 15 minutes are over
    await requestOtp(deps, { phone }, c);
    const fresh = await latestCode(phone);
    const signedIn = await verifyOtp(deps, { phone, otp: fresh }, c);
    expect(signedIn.token).toBeTruthy();
  });

  it("OTP-10: a code is bound to its phone: phone A's record planted under phone B does not accept the same code", async () => {
    // Comparing A's code against B's own pending code proves nothing (they are
    // different random codes). Here B's slot holds A's real record, so the
    // code is the same on both sides and only the phone in the HMAC differs.
    const deps = await services();
    const a = uniquePhone();
    const b = uniquePhone();
    const ip = uniqueIp();
    const code = await requestCode(a, ip);
    const [hashA, hashB] = [await phoneHash(deps.keys, a), await phoneHash(deps.keys, b)];
    const recordA = await storedCode(hashA, "sign_in");
    expect(recordA).not.toBeNull();
    await plantCode(hashB, "sign_in", recordA!);
    await expectError(await call("/auth/verify-otp", { body: { phone: b, otp: code }, ip }), 400, "otp_invalid");
    expect(await otpDigest(deps.keys.otp, "sign_in", b, code)).not.toBe(recordA!.digest);
    // The same code and record still sign A in, and a record made for B does sign B in.
    expect((await call("/auth/verify-otp", { body: { phone: a, otp: code }, ip })).status).toBe(200);
    await plantCode(hashB, "sign_in", { digest: await otpDigest(deps.keys.otp, "sign_in", b, code), expiresAt: Date.now() + 300_000 });
    expect((await call("/auth/verify-otp", { body: { phone: b, otp: code }, ip })).status).toBe(200);
  });

  it("OTP-10: a code is bound to its purpose", async () => {
    const deps = await services();
    const ip = uniqueIp();
    const c = uniquePhone();
    const hash = await phoneHash(deps.keys, c);
    const code = "482915";
    const expiresAt = Date.now() + 300_000;
    expect(await otpDigest(deps.keys.otp, "step_up", c, code)).not.toBe(await otpDigest(deps.keys.otp, "sign_in", c, code));
    // A code stored for another purpose does not sign in...
    await plantCode(hash, "step_up", { digest: await otpDigest(deps.keys.otp, "step_up", c, code), expiresAt });
    await expectError(await call("/auth/verify-otp", { body: { phone: c, otp: code }, ip }), 400, "otp_expired");
    // ...nor does a sign-in record whose digest was made for another purpose.
    await plantCode(hash, "sign_in", { digest: await otpDigest(deps.keys.otp, "step_up", c, code), expiresAt });
    await expectError(await call("/auth/verify-otp", { body: { phone: c, otp: code }, ip }), 400, "otp_invalid");
    await plantCode(hash, "sign_in", { digest: await otpDigest(deps.keys.otp, "sign_in", c, code), expiresAt });
    expect((await call("/auth/verify-otp", { body: { phone: c, otp: code }, ip })).status).toBe(200);
  });

  it("OTP-11: after a resend the earlier code is refused", async () => {
    const { deps, clock } = await clocked();
    const phone = uniquePhone();
    const c = client();
    await requestOtp(deps, { phone }, c);
    const first = await latestCode(phone);
    let second = first;
    // Two random codes collide with probability 1e-6; resend until they differ.
    while (second === first) {
      clock.t += 61_000;
      await requestOtp(deps, { phone }, c);
      second = await latestCode(phone);
    }
    expect((await authErrorOf(verifyOtp(deps, { phone, otp: first }, c))).code).toBe("otp_invalid");
    expect((await verifyOtp(deps, { phone, otp: second }, c)).token).toBeTruthy();
  });

  it("OTP-12: digest comparison is constant-time over equal lengths and never throws", async () => {
    const a = toBase64url(await sha256("a"));
    const b = toBase64url(await sha256("b"));
    expect(constantTimeEqual(a, a)).toBe(true);
    expect(constantTimeEqual(a, b)).toBe(false);
    expect(constantTimeEqual(a, a.slice(1))).toBe(false);
    // Digests of different lengths never compare equal, whichever side is the
    // prefix of the other (a loop over the shorter one would say "equal").
    for (const n of [1, 10, a.length - 1]) {
      expect(constantTimeEqual(a, a.slice(0, n))).toBe(false);
      expect(constantTimeEqual(a.slice(0, n), a)).toBe(false);
    }
    expect(constantTimeEqual(a, `${a}A`)).toBe(false);
    expect(constantTimeEqual(`${a}A`, a)).toBe(false);
    const bytes = await sha256("a");
    expect(constantTimeEqual(bytes, bytes.slice())).toBe(true);
    expect(constantTimeEqual(bytes, bytes.slice(0, 16))).toBe(false);
    expect(constantTimeEqual(bytes.slice(0, 16), bytes)).toBe(false);
    // Every position counts: a difference in only the first or only the last byte.
    const first = bytes.slice();
    first[0] = first[0]! ^ 1;
    const last = bytes.slice();
    last[31] = last[31]! ^ 0x80;
    expect(constantTimeEqual(bytes, first)).toBe(false);
    expect(constantTimeEqual(bytes, last)).toBe(false);
    expect(constantTimeEqual(last, bytes)).toBe(false);
    expect(constantTimeEqual("", "")).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(false);
    for (const odd of [null, undefined, 42, {}, [], "x".repeat(1_000_000), new Uint8Array(3)]) {
      expect(() => constantTimeEqual(a, odd)).not.toThrow();
      expect(constantTimeEqual(a, odd)).toBe(false);
      expect(() => constantTimeEqual(odd, a)).not.toThrow();
      expect(constantTimeEqual(odd, a)).toBe(false);
    }
  });

  it("OTP-12: verify compares the whole digest: a stored digest off by its last character, or a prefix of the right one, refuses the right code", async () => {
    const deps = await services();
    const ip = uniqueIp();
    const code = "731904";
    const expiresAt = Date.now() + 300_000;
    const variants: ((right: string) => string)[] = [
      (r) => r.slice(0, -1) + (r.at(-1) === "A" ? "B" : "A"),
      (r) => r.slice(0, 16),
      (r) => r.slice(0, -1),
      (r) => `${r}A`,
    ];
    // A fresh phone per variant, so the attempt limit plays no part.
    for (const variant of variants) {
      const phone = uniquePhone();
      const hash = await phoneHash(deps.keys, phone);
      await plantCode(hash, "sign_in", { digest: variant(await otpDigest(deps.keys.otp, "sign_in", phone, code)), expiresAt });
      await expectError(await call("/auth/verify-otp", { body: { phone, otp: code }, ip }), 400, "otp_invalid");
    }
    const phone = uniquePhone();
    await plantCode(await phoneHash(deps.keys, phone), "sign_in", { digest: await otpDigest(deps.keys.otp, "sign_in", phone, code), expiresAt });
    expect((await call("/auth/verify-otp", { body: { phone, otp: code }, ip })).status).toBe(200);
  });

  it("a verify with no pending code is not counted, so nobody can lock a phone out for free", async () => {
    const phone = uniquePhone();
    const ip = uniqueIp();
    for (let i = 0; i < 5; i++) {
      await expectError(await call("/auth/verify-otp", { body: { phone, otp: "123456" }, ip }), 400, "otp_expired");
    }
    const code = await requestCode(phone, ip);
    const wrong = await expectError(await call("/auth/verify-otp", { body: { phone, otp: wrongCode(code) }, ip }), 400, "otp_invalid");
    expect(wrong.error.attemptsRemaining).toBe(2);
  });

  it("a right code whose sign-in cannot complete (store down) is put back and works on retry", async () => {
    const phone = uniquePhone();
    const c = client();
    const deps = await services();
    await requestOtp(deps, { phone }, c);
    const code = await latestCode(phone);
    const broken = await services({
      users: { ...deps.users, findOrCreateByPhone: () => Promise.reject(new DependencyError("user-store")) },
    });
    expect(await verifyOtp(broken, { phone, otp: code }, c).catch((e: unknown) => e)).toBeInstanceOf(DependencyError);
    expect((await verifyOtp(deps, { phone, otp: code }, c)).token).toBeTruthy();
  });

  it("OTP-04: a session write that lands and then reports a failure does not put the code back (no second sign-in)", async () => {
    const phone = uniquePhone();
    const c = client();
    const deps = await services();
    await requestOtp(deps, { phone }, c);
    const code = await latestCode(phone);
    const real = deps.sessions;
    const landsThenFails = Object.assign(Object.create(real) as typeof real, {
      create: async (s: Parameters<typeof real.create>[0]) => {
        await real.create(s);
        throw new DependencyError("session-store");
      },
    });
    const broken = await services({ sessions: landsThenFails });
    expect(await verifyOtp(broken, { phone, otp: code }, c).catch((e: unknown) => e)).toBeInstanceOf(DependencyError);
    expect((await authErrorOf(verifyOtp(deps, { phone, otp: code }, c))).code).toBe("otp_expired");
  });

  it("OTP-13: the PhoneLedger Durable Object counts 10 concurrent wrong guesses as exactly 10", async () => {
    const hash = `otp13-${uniquePhone()}`;
    const stub = ledgerStub(hash);
    const now = Date.now();
    expect((await stub.issue("sign_in", "right", "t1", { ttlMs: 300_000, cooldownMs: 0, maxSendsPerHour: 3 }, now)).issued).toBe(true);
    const policy = { maxAttempts: 100, lockoutMs: 60_000, windowMs: 3_600_000 };
    const steps = await Promise.all(Array.from({ length: 10 }, () => stub.check("sign_in", "wrong", policy, now)));
    const remaining = steps.map((d) => (d.status === "wrong" ? d.attemptsRemaining : -1)).sort((x, y) => x - y);
    expect(remaining).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect((await stub.peek())?.attempts.count).toBe(10);
  });

  it("OTP-13: the attempt counter Durable Object (production profile) counts 10 concurrent increments as exactly 10", async () => {
    const stub = testEnv.ATTEMPT_COUNTER.get(testEnv.ATTEMPT_COUNTER.idFromName(`otp13-${uniquePhone()}`));
    const policy = { maxAttempts: 100, lockoutMs: 60_000, windowMs: 3_600_000 };
    const now = Date.now();
    const decisions = await Promise.all(Array.from({ length: 10 }, () => stub.acquire(policy, now)));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    const remaining = decisions.map((d) => (d.allowed ? d.attemptsRemaining : -1)).sort((x, y) => x - y);
    expect(remaining).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect((await stub.peek())?.count).toBe(10);
  });
});
