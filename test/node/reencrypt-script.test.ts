/** `npm run reencrypt` (scripts/reencrypt.mjs) against a local stand-in of the maintenance route: loops until done, sends the token, reports failures. */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";

const TOKEN = "admin-token-for-tests-0123456789abcdef";
let close: (() => void) | null = null;

afterEach(() => close?.());

/** Answers the route with `pages` in turn, recording each call's Authorization header. */
async function route(pages: { status?: number; body: unknown }[]): Promise<{ url: string; auth: string[] }> {
  const auth: string[] = [];
  let i = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" || req.url !== "/admin/reencrypt-phones") {
      res.writeHead(404).end();
      return;
    }
    auth.push(req.headers.authorization ?? "");
    const page = pages[Math.min(i++, pages.length - 1)]!;
    res.writeHead(page.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(page.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  close = () => server.close();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth };
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["scripts/reencrypt.mjs", ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run reencrypt", () => {
  it("calls the route with the token until nothing is left and prints the totals", async () => {
    const server = await route([
      { body: { keyId: "k2", moved: 500, skipped: 0, failed: 0, remaining: true } },
      { body: { keyId: "k2", moved: 120, skipped: 3, failed: 0, remaining: false } },
    ]);
    const out = await run([server.url], { ADMIN_TOKEN: TOKEN });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ keyId: "k2", moved: 620, skipped: 3, failed: 0 });
    expect(server.auth).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it("exits 1 when numbers are under a key no longer configured, or the route refuses", async () => {
    const unreadable = await route([{ body: { keyId: "k2", moved: 4, skipped: 0, failed: 2, remaining: false } }]);
    const partial = await run([unreadable.url], { ADMIN_TOKEN: TOKEN });
    expect(partial.code).toBe(1);
    expect(partial.stderr).toContain("PHONE_DATA_KEYS");
    close?.();
    // A batch full of unreadable numbers makes no progress: one call, then stop (never a loop).
    const stuck = await route([{ body: { keyId: "k2", moved: 0, skipped: 0, failed: 40, remaining: true } }]);
    const blocked = await run([stuck.url], { ADMIN_TOKEN: TOKEN });
    expect(blocked.code).toBe(1);
    expect(stuck.auth).toHaveLength(1);
    close?.();
    const refused = await route([{ status: 401, body: { error: { code: "unauthorized" } } }]);
    const denied = await run([refused.url], { ADMIN_TOKEN: "wrong" });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("HTTP 401 unauthorized");
    expect((await run([], {})).code).toBe(2);
    // Never the token over plain HTTP to another machine.
    const plain = await run(["http://auth.example.com"], { ADMIN_TOKEN: TOKEN });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("use https");
  });
});
