// The better-auth benchmark peer (README.md in this folder): installs its own
// dependencies on first use, starts it under the root project's `wrangler
// dev` (the same runtime as ours) on a free loopback port with a fresh local
// state folder and the D1 schema applied, and gives a client that runs one
// sign-in step by step, checking every answer like bench/check.mjs does for
// ours.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expectAnswer } from "../../check.mjs";
import { runWranglerDev } from "../../../tools/wrangler-dev.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const config = join(here, "wrangler.toml");

/** Runs a command to its end; rejects with its output when it fails. */
function run(command, args, cwd, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.once("error", (err) => reject(new Error(`${what} failed to start: ${err.message}`)));
    child.once("exit", (code) => (code === 0 ? resolve(output) : reject(new Error(`${what} failed (exit ${code}):\n${output}`))));
  });
}

/**
 * Installs the peer's dependencies (npm ci from its own package-lock.json)
 * when node_modules is missing or holds another better-auth than package.json
 * pins.
 */
export async function ensurePeerInstalled() {
  const wanted = JSON.parse(readFileSync(join(here, "package.json"), "utf8")).dependencies["better-auth"];
  const installed = join(here, "node_modules", "better-auth", "package.json");
  if (existsSync(installed) && JSON.parse(readFileSync(installed, "utf8")).version === wanted) return;
  console.error(`installing the better-auth peer's dependencies (npm ci in ${here}) ...`);
  await run("npm", ["ci", "--no-audit", "--no-fund"], here, "npm ci for the better-auth peer");
}

/**
 * Installs the peer's deps on first use (npm ci in its folder if node_modules
 * is missing), starts `wrangler dev` for it on a free loopback port with a
 * fresh --persist-to dir and the D1 migrations applied, waits until it
 * answers.
 * @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<{ url: string, pid: number, log: () => string, stop: () => Promise<void>, client: ReturnType<typeof peerClient> }>}
 */
export async function startBetterAuthPeer({ timeoutMs = 90_000 } = {}) {
  await ensurePeerInstalled();
  const server = await runWranglerDev({
    config,
    timeoutMs,
    args: (_dir, url) => ["--var", `BETTER_AUTH_URL:${url}`],
    ready: (url) => peerClient(url).healthz().then(() => true),
  });
  return { ...server, client: peerClient(server.url) };
}

const json = { "content-type": "application/json" };

/**
 * One sign-in against the peer, step by step. Every step checks the status
 * and the essential body field and throws a BenchmarkFailure (bench/check.mjs)
 * on anything else.
 * @param {string} url the peer's origin
 */
export function peerClient(url) {
  const api = `${url}/api/auth`;
  return {
    /** GET /api/auth/ok: better-auth's cheapest endpoint, the runtime baseline. */
    async healthz() {
      await expectAnswer("peer GET /api/auth/ok", await fetch(`${api}/ok`), 200, (b) => b?.ok === true, "ok: true");
    },

    /** @param {string} phone E.164 */
    async requestOtp(phone) {
      await expectAnswer(
        "peer POST /api/auth/phone-number/send-otp",
        await fetch(`${api}/phone-number/send-otp`, { method: "POST", headers: json, body: JSON.stringify({ phoneNumber: phone }) }),
        200,
        (b) => b?.message === "code sent",
        'message "code sent"',
      );
    },

    /** @param {string} phone @returns {Promise<string>} the newest code sent to it */
    async readCode(phone) {
      const b = await expectAnswer(
        "peer GET /dev/outbox",
        await fetch(`${url}/dev/outbox?phone=${encodeURIComponent(phone)}`),
        200,
        (v) => typeof v?.code === "string" && /^\d{6}$/.test(v.code),
        "a 6-digit code",
      );
      return b.code;
    },

    /**
     * Verifies the code (a new number signs up); the bearer plugin answers the
     * signed session token in `set-auth-token`.
     * @param {string} phone @param {string} code @returns {Promise<string>} the bearer token
     */
    async verifyOtp(phone, code) {
      const res = await fetch(`${api}/phone-number/verify`, { method: "POST", headers: json, body: JSON.stringify({ phoneNumber: phone, code }) });
      const bearer = res.headers.get("set-auth-token") ?? "";
      await expectAnswer(
        "peer POST /api/auth/phone-number/verify",
        res,
        200,
        (b) =>
          b?.status === true &&
          typeof b.token === "string" &&
          b.token !== "" &&
          bearer.split(".")[0] === b.token &&
          b.user?.phoneNumber === phone &&
          b.user.phoneNumberVerified === true,
        "status: true, a session token (also signed in set-auth-token) and the user of that phone",
      );
      return bearer;
    },

    /** @param {string} token from verifyOtp */
    async checkSession(token) {
      await expectAnswer(
        "peer GET /api/auth/get-session",
        await fetch(`${api}/get-session`, { headers: { authorization: `Bearer ${token}` } }),
        200,
        (b) => b?.session?.token === token.split(".")[0] && typeof b.user?.id === "string" && b.session.userId === b.user.id,
        "the session of that token and its user",
      );
    },
  };
}
