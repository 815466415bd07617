// Benchmark peer: better-auth (phone-number + bearer plugins) as a Cloudflare
// Worker on D1. Serves better-auth under /api/auth and a dev outbox at
// GET /dev/outbox?phone=+E164 that answers the newest code sent to that
// number (what an SMS provider would have delivered).
/* global Response */
import { betterAuth } from "better-auth";
import { authOptions } from "./auth-options.mjs";

/**
 * Codes "sent", newest per phone. In memory: `wrangler dev` runs the Worker in
 * one isolate, so the outbox costs no storage round trip.
 * @type {Map<string, string>}
 */
const outbox = new Map();

/** One better-auth instance per isolate (env is the same object for its life). */
let auth;

export default {
  /**
   * @param {Request} request
   * @param {{ DB: unknown, BETTER_AUTH_URL: string }} env
   */
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/dev/outbox") {
      if (request.method !== "GET") return new Response(null, { status: 405 });
      const code = outbox.get(url.searchParams.get("phone") ?? "");
      return code === undefined ? Response.json({ error: "no_message" }, { status: 404 }) : Response.json({ code });
    }
    auth ??= betterAuth(
      authOptions({
        database: env.DB,
        baseURL: env.BETTER_AUTH_URL,
        sendOTP: ({ phoneNumber, code }) => {
          outbox.set(phoneNumber, code);
        },
      }),
    );
    return auth.handler(request);
  },
};
