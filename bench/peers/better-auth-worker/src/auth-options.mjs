// The better-auth configuration of the benchmark peer, shared by the Worker
// (src/worker.mjs) and the schema generator (scripts/generate-schema.mjs) so
// the D1 migration always matches what the Worker expects.
import { bearer } from "better-auth/plugins/bearer";
import { phoneNumber } from "better-auth/plugins/phone-number";

/**
 * A fixed secret: this Worker only ever runs locally under `wrangler dev` for
 * the load benchmark. Never deploy it.
 */
export const DEV_SECRET = "bench-only-7qK2vX9mP4sT8wZ1nB6cR3yH5jL0dF2gA9eU4iO7";

const E164 = /^\+[1-9]\d{7,14}$/;

/**
 * @param {{ database: unknown, baseURL: string, sendOTP: (data: { phoneNumber: string, code: string }) => void }} options
 */
export function authOptions({ database, baseURL, sendOTP }) {
  return {
    database,
    baseURL,
    basePath: "/api/auth",
    secret: DEV_SECRET,
    // Benchmark peer: no limits, like our own server in the benchmark
    // (whose IP limits are raised out of the way).
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    plugins: [
      phoneNumber({
        otpLength: 6,
        expiresIn: 300,
        allowedAttempts: 3,
        phoneNumberValidator: (phone) => E164.test(phone),
        sendOTP,
        // A new number signs up on its first successful verification.
        signUpOnVerification: {
          getTempEmail: (phone) => `${phone.slice(1)}@phone.invalid`,
          getTempName: (phone) => phone,
        },
      }),
      // The verify answer carries the session token in `set-auth-token`;
      // `Authorization: Bearer <it>` then works on every endpoint.
      bearer(),
    ],
  };
}
