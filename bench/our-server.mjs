// Our server as the benchmarks drive it: a client whose every step checks
// its answer (bench/check.mjs), and the two storage profiles started one
// after the other under `wrangler dev`.
import { startBridge } from "../tools/upstash-bridge/server.mjs";
import { findRedisServer, startRedisServer } from "../tools/upstash-bridge/redis-server.mjs";
import { parsePhoneNumberWithError } from "libphonenumber-js/max";
import { expectAnswer } from "./check.mjs";

/** Per-IP limits out of the way: every benchmark request comes from one address. */
// One client sends every code, and fresh phones run in sequence (one prefix per
// 1,000 numbers): the per-IP and per-prefix limits are raised so they never
// refuse, while every counter is still charged as in production.
export const BENCH_LIMITS = { IP_SEND_LIMIT: "10000", IP_VERIFY_LIMIT: "10000", SMS_PREFIX_HOURLY_LIMIT: "100000" };

const json = { "content-type": "application/json" };

/**
 * One sign-in against our API, step by step. Each step throws a
 * BenchmarkFailure on any answer but the success it is meant to be.
 * @param {string} url the Worker's origin
 */
export function ourClient(url) {
  return {
    async healthz() {
      await expectAnswer("GET /healthz", await fetch(`${url}/healthz`), 200, (b) => b?.status === "ok", 'status "ok"');
    },
    /** @param {string} phone E.164 */
    async requestOtp(phone) {
      const res = await fetch(`${url}/auth/request-otp`, { method: "POST", headers: json, body: JSON.stringify({ phone }) });
      await expectAnswer("POST /auth/request-otp", res, 200, (b) => b?.status === "sent", 'status "sent"');
    },
    /** @param {string} phone @returns {Promise<string>} the code of the newest message in the dev outbox */
    async readCode(phone) {
      const outbox = await expectAnswer(
        "GET /dev/sms-outbox",
        await fetch(`${url}/dev/sms-outbox?phone=${encodeURIComponent(phone)}`),
        200,
        (b) => typeof b?.messages?.[0]?.body === "string" && /\b\d{6}\b/.test(b.messages[0].body),
        "a 6-digit code in the newest message",
      );
      return /\b(\d{6})\b/.exec(outbox.messages[0].body)[1];
    },
    /** @param {string} phone @param {string} code @returns {Promise<string>} the access token */
    async verifyOtp(phone, code) {
      const res = await fetch(`${url}/auth/verify-otp`, { method: "POST", headers: json, body: JSON.stringify({ phone, otp: code }) });
      const body = await expectAnswer("POST /auth/verify-otp", res, 200, (b) => typeof b?.token === "string" && b.token.split(".").length === 3, "a token");
      return body.token;
    },
    /** @param {string} token */
    async checkSession(token) {
      const res = await fetch(`${url}/auth/check-session`, { headers: { authorization: `Bearer ${token}` } });
      await expectAnswer("GET /auth/check-session", res, 200, (b) => b?.valid === true, "valid: true");
    },
    /** @param {string} token */
    async logout(token) {
      const res = await fetch(`${url}/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      await expectAnswer("POST /auth/logout", res, 204);
    },
  };
}

/**
 * Runs `measure(vars)` for the embedded profile, then for the Upstash profile
 * on a private redis-server behind the REST bridge (when redis-server is
 * installed). Returns one entry per profile: its result, or why it was not
 * measured.
 * @template T
 * @param {(profile: { name: "embedded" | "upstash", label: string, vars: Record<string, string> }) => Promise<T>} measure
 * @returns {Promise<({ name: string, label: string, result: T } | { name: string, note: string })[]>}
 */
export async function forEachProfile(measure) {
  const embedded = { name: "embedded", label: "embedded profile: Durable Objects + D1", vars: {} };
  const out = [{ name: embedded.name, label: embedded.label, result: await measure(embedded) }];
  if (!findRedisServer()) return [...out, { name: "upstash", note: "upstash profile not measured: redis-server is not installed" }];
  const redis = await startRedisServer();
  const bridge = await startBridge({ redisPort: redis.port, token: "bench-token" });
  try {
    const upstash = {
      name: "upstash",
      label: "upstash profile: local redis-server via REST bridge",
      vars: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: "bench-token" },
    };
    return [...out, { name: upstash.name, label: upstash.label, result: await measure(upstash) }];
  } finally {
    await bridge.close();
    await redis.stop();
  }
}

// Fresh, valid Indian mobile numbers (+91 98xxxxxxxx), unique over the whole
// run, so no flow meets another's per-phone cooldown or hourly cap.
const usedPhones = new Set();
let nextPhone = Math.floor(Math.random() * 5e7);
export function freshPhone() {
  for (let tries = 0; tries < 10_000; tries++) {
    const phone = `+9198${String(nextPhone++ % 1e8).padStart(8, "0")}`;
    if (usedPhones.has(phone)) continue;
    let valid = false;
    try {
      const parsed = parsePhoneNumberWithError(phone);
      valid = parsed.isValid() && parsed.number === phone;
    } catch {
      // not a number libphonenumber accepts: skip it
    }
    if (!valid) continue;
    usedPhones.add(phone);
    return phone;
  }
  throw new Error("no fresh valid +9198 number found in 10000 tries");
}
