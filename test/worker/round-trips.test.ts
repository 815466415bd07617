import { beforeEach, describe, expect, it } from "vitest";
import { authenticate, logout } from "../../src/domain/sessions";
import { requestOtp, verifyOtp } from "../../src/domain/sign-in";
import type { Services } from "../../src/services";
import { latestCode, PROFILES, services, uniqueIp, uniquePhone, useProfile } from "./helpers";

/**
 * Counts the sequential storage round trips on each endpoint's critical path,
 * with the real adapters of each profile. Every call to a storage port is
 * recorded; a call that starts while another storage call is still in
 * flight runs in parallel with it and shares its round trip, and a call that
 * starts when none is in flight begins a new one. Timing plays no part, so
 * the counts are deterministic: this test guards the design, not the speed.
 */
const STORAGE_PORTS = ["otps", "attempts", "limiter", "ipLimiter", "sessions", "users"] as const;

interface Recorder {
  /** Sequential round trips so far, and the calls of each. */
  trips: string[][];
  /** Round trips made before the SMS provider was called (request-otp). */
  beforeSms: number | null;
  reset(): void;
}

function instrument(deps: Services): Services & { recorder: Recorder } {
  let inFlight = 0;
  const recorder: Recorder = {
    trips: [],
    beforeSms: null,
    reset() {
      this.trips = [];
      this.beforeSms = null;
    },
  };
  const wrap = <T extends object>(port: T, name: string): T =>
    new Proxy(port, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (inFlight === 0) recorder.trips.push([]);
          recorder.trips.at(-1)!.push(`${name}.${String(prop)}`);
          inFlight++;
          const settle = () => {
            inFlight--;
          };
          const result = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          return result.then(
            (v) => {
              settle();
              return v;
            },
            (e: unknown) => {
              settle();
              throw e;
            },
          );
        };
      },
    });
  const wrapped = { ...deps } as Services & { recorder: Recorder };
  for (const port of STORAGE_PORTS) (wrapped as unknown as Record<string, object>)[port] = wrap(deps[port], port);
  const sms = deps.sms;
  wrapped.sms = {
    send: (message) => {
      recorder.beforeSms ??= recorder.trips.length;
      return sms.send(message);
    },
  };
  // Work after the answer is not on the critical path: it is not counted.
  wrapped.background = () => undefined;
  wrapped.recorder = recorder;
  return wrapped;
}

describe.each(PROFILES)("storage round trips on the critical path ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("request-otp, verify-otp, check-session and logout make the documented number of sequential round trips", async () => {
    const deps = instrument(await services());
    const { recorder } = deps;
    const phone = uniquePhone();
    const client = { ip: uniqueIp(), userAgent: null };

    await requestOtp(deps, { phone }, client);
    // 1: the per-IP limit, the phone's cooldown and hourly quota and its
    //    lockout, in parallel; 2: store the code. Then the SMS.
    expect(recorder.trips).toEqual([["ipLimiter.hit", "attempts.lockedFor", "limiter.hit", "limiter.hit"], ["otps.put"]]);
    expect(recorder.beforeSms).toBe(2);

    recorder.reset();
    const signedIn = await verifyOtp(deps, { phone, otp: await latestCode(phone) }, client);
    // 1: per-IP limit and the pending code; 2: count the attempt; 3: consume
    //    the code and find or create the user; 4: create the session.
    expect(recorder.trips).toEqual([
      ["ipLimiter.hit", "otps.get"],
      ["attempts.acquire"],
      ["otps.consume", "users.findOrCreateByPhone"],
      ["sessions.create"],
    ]);

    recorder.reset();
    const auth = await authenticate(deps, `Bearer ${signedIn.token}`);
    // 1: the session and the user, in parallel.
    expect(recorder.trips).toEqual([["sessions.get", "users.getById"]]);

    recorder.reset();
    await logout(deps, auth);
    expect(recorder.trips).toEqual([["sessions.revoke"]]);
  });
});
