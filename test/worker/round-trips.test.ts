import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { authenticate, logout } from "../../src/domain/sessions";
import { requestOtp, verifyOtp } from "../../src/domain/sign-in";
import { LogAuthEvents } from "../../src/lib/log";
import type { Services } from "../../src/services";
import { latestCode, PROFILES, services, testEnv, uniqueIp, uniquePhone, useProfile } from "./helpers";

/**
 * Counts the sequential network round trips on each endpoint's critical
 * path, with the real adapters of each profile, at the bindings: every call
 * on a Durable Object stub, every D1 statement or batch, and every Upstash
 * REST request. A call that starts while another is still in flight runs
 * in parallel with it and shares its round trip; a call that starts when
 * none is in flight begins a new one. The calls of each trip are also
 * listed by name, so a call that merely overlapped an unrelated slow one
 * (which would hide a trip) shows up as an unexpected list and fails the
 * test rather than passing it: on these flows every trip's calls start
 * before any of them has answered, and the lists matched in every run. This test guards
 * the design, not the speed. Hops inside an adapter count the same as hops
 * between adapters, so an adapter cannot hide one.
 */
interface Recorder {
  trips: string[][];
  /** Round trips made before the SMS provider was called (request-otp). */
  beforeSms: number | null;
  reset(): void;
}

function makeRecorder(): Recorder & { track<T>(names: string | string[], start: () => Promise<T>): Promise<T> } {
  let inFlight = 0;
  return {
    trips: [],
    beforeSms: null,
    reset() {
      this.trips = [];
      this.beforeSms = null;
    },
    track<T>(names: string | string[], start: () => Promise<T>): Promise<T> {
      if (inFlight === 0) this.trips.push([]);
      this.trips.at(-1)!.push(...[names].flat());
      inFlight++;
      return Promise.resolve()
        .then(start)
        .finally(() => {
          inFlight--;
        });
    },
  };
}

type Recording = ReturnType<typeof makeRecorder>;

/** A property of a runtime object, with methods bound to it (the runtime checks `this`). */
function own(target: object, prop: string | symbol): unknown {
  const value = Reflect.get(target, prop, target) as unknown;
  return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
}

/** A Durable Object namespace whose stubs record every method call. */
function recordNamespace<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, name: string, rec: Recording): DurableObjectNamespace<T> {
  return new Proxy(ns, {
    get(target, prop) {
      if (prop !== "get") return own(target, prop);
      return (id: DurableObjectId) => {
        const stub = target.get(id);
        return new Proxy(stub, {
          get(s, method) {
            const value = Reflect.get(s, method, s) as unknown;
            if (typeof value !== "function" || typeof method !== "string") return value;
            // Called on the stub itself: an RPC method has no Function.prototype.apply.
            const call = (...args: unknown[]): Promise<unknown> => (s as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args);
            return (...args: unknown[]) => rec.track(`${name}.${method}`, async () => (await call(...args)) as unknown);
          },
        });
      };
    },
  });
}

/** A D1 database whose statements and batches record each execution. */
function recordD1(db: D1Database, rec: Recording): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args));
        if (typeof value !== "function" || !["first", "run", "all", "raw"].includes(String(prop))) return own(target, prop);
        return (...args: unknown[]) => rec.track(`D1.${String(prop)}`, async () => (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown);
      },
    });
    real.set(proxy, stmt);
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (prop === "batch") return (stmts: D1PreparedStatement[]) => rec.track("D1.batch", () => target.batch(stmts.map((s) => real.get(s) ?? s)));
      return own(target, prop);
    },
  });
}

/** Records every Upstash REST request (through the test bridge) by its command. */
function recordUpstash(rec: Recording): void {
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation((input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!testEnv.TEST_UPSTASH_URL || !url.startsWith(testEnv.TEST_UPSTASH_URL)) return realFetch(input, init);
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as unknown[]) : [];
    const name = (cmd: unknown): string => String((cmd as unknown[])[0]).toLowerCase();
    // @upstash/redis may batch commands issued together into one pipeline
    // request (auto-pipelining): one round trip, recorded as its commands.
    const commands = url.endsWith("/pipeline") || url.endsWith("/multi-exec") ? body.map(name) : [name(body)];
    return rec.track(commands.map((c) => `redis.${c}`), () => realFetch(input, init));
  });
}

async function instrumented(): Promise<Services & { recorder: Recording }> {
  const rec = makeRecorder();
  recordUpstash(rec);
  const bindings = {
    DB: recordD1(testEnv.DB, rec),
    PHONE_LEDGER: recordNamespace(testEnv.PHONE_LEDGER, "PhoneLedger", rec),
    ATTEMPT_COUNTER: recordNamespace(testEnv.ATTEMPT_COUNTER, "AttemptCounter", rec),
    RATE_LIMITER: recordNamespace(testEnv.RATE_LIMITER, "RateLimiter", rec),
    SESSION_VAULT: recordNamespace(testEnv.SESSION_VAULT, "SessionVault", rec),
    BUDGET_LEDGER: recordNamespace(testEnv.BUDGET_LEDGER, "BudgetLedger", rec),
    IDEMPOTENCY_VAULT: recordNamespace(testEnv.IDEMPOTENCY_VAULT, "IdempotencyVault", rec),
  };
  const deps = await services({}, bindings);
  const sms = deps.sms;
  return {
    ...deps,
    sms: {
      provider: sms.provider,
      send: (message) => {
        rec.beforeSms ??= rec.trips.length;
        return sms.send(message);
      },
    },
    // Work after the answer is not on the critical path: it is not counted
    // (the audit trail's writes are such work: events are only logged here).
    background: () => undefined,
    events: new LogAuthEvents("round-trips"),
    recorder: rec,
  };
}

/** Each round trip's calls, sorted (calls that share a trip start in no fixed order). */
const sorted = (trips: string[][]): string[][] => trips.map((t) => [...t].sort());

const EXPECTED = {
  embedded: {
    // 1: the per-IP limit, the phone's ledger step (lockout, cooldown,
    //    hourly quota, store the code: one call) and the SMS budgets. Then the SMS.
    requestOtp: [["BudgetLedger.charge", "PhoneLedger.issue", "RateLimiter.hit"]],
    // 1: per-IP limit and the ledger's check (count, compare, consume: one
    //    call), with the prefix's counters read for the risk score in
    //    parallel; 2: find or create the user; 3: create the session.
    // 3 also stores the device's new token (FRAUD-05), in parallel.
    verifyOtp: [["BudgetLedger.charge", "PhoneLedger.check", "RateLimiter.hit"], ["D1.batch"], ["D1.batch", "SessionVault.create"]],
    checkSession: [["D1.first", "SessionVault.get"]],
    logout: [["SessionVault.revoke"]],
  },
  upstash: {
    // 1: the per-IP limit (@upstash/ratelimit's script), the issue script,
    //    the budget script and the lockout read of the attempt counter. Then the SMS.
    requestOtp: [["AttemptCounter.lockedFor", "redis.eval", "redis.eval", "redis.evalsha"]],
    // 1: per-IP limit and the pending code; 2: count the attempt (before the
    //    consume: the two stores cannot do both atomically); 3: consume the
    //    code and find or create the user; 4: create the session and store
    //    the device's token. One over the target of 3: see docs/benchmarks.md.
    //    1 also reads the prefix's counters (risk score) in parallel.
    verifyOtp: [["redis.eval", "redis.evalsha", "redis.get"], ["AttemptCounter.acquire"], ["D1.batch", "redis.eval"], ["redis.eval", "redis.eval"]],
    checkSession: [["D1.first", "redis.get"]],
    logout: [["redis.del", "redis.zrem"]],
  },
} as const;

describe.each(PROFILES)("network round trips on the critical path ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));
  afterEach(() => vi.restoreAllMocks());

  it("request-otp 1 before the SMS, verify-otp 3 (4 on Upstash), check-session 1, logout 1", async () => {
    const deps = await instrumented();
    const { recorder } = deps;
    const client = { ip: uniqueIp(), userAgent: null, country: null };
    // Warm-up: the first call of a Redis script per server may take an extra
    // trip to load it (EVALSHA, then EVAL); that is not the steady state.
    const warm = uniquePhone();
    await requestOtp(deps, { phone: warm }, client);
    await verifyOtp(deps, { phone: warm, otp: await latestCode(warm) }, client);

    const phone = uniquePhone();
    recorder.reset();
    await requestOtp(deps, { phone }, client);
    expect(sorted(recorder.trips)).toEqual(EXPECTED[profile.name].requestOtp);
    expect(recorder.beforeSms).toBe(1);

    const code = await latestCode(phone);
    recorder.reset();
    const signedIn = await verifyOtp(deps, { phone, otp: code }, client);
    expect(sorted(recorder.trips)).toEqual(EXPECTED[profile.name].verifyOtp);

    recorder.reset();
    const auth = await authenticate(deps, `Bearer ${signedIn.token}`);
    expect(sorted(recorder.trips)).toEqual(EXPECTED[profile.name].checkSession);

    recorder.reset();
    await logout(deps, auth);
    expect(sorted(recorder.trips)).toEqual(EXPECTED[profile.name].logout);
  });
});
