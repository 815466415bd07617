import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Msg91SmsSender } from "../../src/adapters/msg91/sms-sender";
import { SmsSendError } from "../../src/domain/ports";
import { serveOnLoopback } from "../support/fake-server";

// A provider URL that redirects elsewhere, and the elsewhere, which records what reaches it.
let elsewhere: Awaited<ReturnType<typeof serveOnLoopback>>;
let redirecting: Awaited<ReturnType<typeof serveOnLoopback>>;
const reached: (string | undefined)[] = [];

beforeAll(async () => {
  elsewhere = await serveOnLoopback(
    createServer((req, res) => {
      reached.push(req.headers.authkey as string | undefined);
      res.writeHead(200, { "content-type": "application/json" }).end('{"type":"success","message":"x"}');
    }),
  );
  redirecting = await serveOnLoopback(createServer((_req, res) => res.writeHead(307, { location: `${elsewhere.url}/api/v5/flow` }).end()));
});
afterAll(async () => {
  await Promise.all([elsewhere.close(), redirecting.close()]);
});

describe("provider requests", () => {
  it("never follow a redirect: the credentials stay with the provider, and the redirect is a refusal", async () => {
    const sender = new Msg91SmsSender({ authKey: "secret-authkey", templateId: "t", codeVariable: "otp", apiBase: redirecting.url, timeoutMs: 1000 });
    const err = await sender.send({ to: "+919876530001", body: "x", code: "123456", minutes: 5 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(SmsSendError);
    expect((err as SmsSendError).providerStatus).toBe(307);
    expect(reached).toEqual([]);
  });
});
