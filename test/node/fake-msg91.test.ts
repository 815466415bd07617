/**
 * The fake of MSG91's v5 flow and OTP APIs, checked over real HTTP against the
 * wire format described in test/support/fake-msg91.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeMsg91, type FakeMsg91 } from "../support/fake-msg91";

const AUTH_KEY = "test-authkey-0123456789";
const FLOW_TEMPLATE = "64f1c0ffee0000000000flow";
const OTP_TEMPLATE = "64f1c0ffee00000000000otp";

let msg91: FakeMsg91;

beforeAll(async () => {
  msg91 = await startFakeMsg91({
    authKey: AUTH_KEY,
    templates: { [FLOW_TEMPLATE]: ["OTP", "APP"], [OTP_TEMPLATE]: ["OTP"] },
  });
});
afterAll(async () => {
  await msg91.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

const JSON_HEADERS = { authkey: AUTH_KEY, "content-type": "application/json", accept: "application/json" };

async function post(path: string, body: unknown, headers: Record<string, string> = JSON_HEADERS): Promise<Answer> {
  const res = await fetch(`${msg91.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  expect(res.headers.get("content-type")).toBe("application/json");
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function flowSend(mobile: string, variables: Record<string, string> = { OTP: "482913", APP: "Acme" }, path = "/api/v5/flow"): Promise<Answer> {
  return post(path, { template_id: FLOW_TEMPLATE, short_url: "0", recipients: [{ mobiles: mobile, ...variables }] });
}

function otpSend(query: Record<string, string>, body: unknown = {}): Promise<Answer> {
  return post(`/api/v5/otp?${new URLSearchParams({ template_id: OTP_TEMPLATE, ...query }).toString()}`, body);
}

async function scenario(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${msg91.url}/__scenario`, { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(204);
}

async function messages(mobile: string): Promise<unknown[]> {
  const res = await fetch(`${msg91.url}/__messages?mobile=${mobile}`);
  return ((await res.json()) as { messages: unknown[] }).messages;
}

describe("flow API (/api/v5/flow)", () => {
  it("accepts a good send with and without the trailing slash and records it", async () => {
    for (const path of ["/api/v5/flow", "/api/v5/flow/"]) {
      const answer = await flowSend("919800000001", { OTP: "482913", APP: "Acme" }, path);
      expect(answer.status).toBe(200);
      expect(answer.body.type).toBe("success");
      expect(answer.body.message).toMatch(/^[0-9a-f]{24}$/);
    }
    expect(await messages("919800000001")).toEqual([
      { api: "flow", templateId: FLOW_TEMPLATE, mobile: "919800000001", variables: { OTP: "482913", APP: "Acme" } },
      { api: "flow", templateId: FLOW_TEMPLATE, mobile: "919800000001", variables: { OTP: "482913", APP: "Acme" } },
    ]);
  });

  it("accepts the older flow_id / sender / top-level mobiles form", async () => {
    const answer = await post("/api/v5/flow/", {
      flow_id: FLOW_TEMPLATE, sender: "ACMEIN", mobiles: "919800000002", OTP: "111222", APP: "Acme",
    });
    expect(answer).toMatchObject({ status: 200, body: { type: "success" } });
    expect(await messages("919800000002")).toEqual([
      { api: "flow", templateId: FLOW_TEMPLATE, mobile: "919800000002", variables: { OTP: "111222", APP: "Acme" } },
    ]);
  });

  it("answers 401 AuthenticationFailure for a wrong or missing authkey", async () => {
    for (const headers of [{ ...JSON_HEADERS, authkey: "wrong" }, { "content-type": "application/json" }]) {
      const answer = await post("/api/v5/flow", { template_id: FLOW_TEMPLATE, recipients: [{ mobiles: "919800000003", OTP: "1", APP: "a" }] }, headers);
      expect(answer).toEqual({ status: 401, body: { type: "error", message: "AuthenticationFailure", code: "401" } });
    }
    expect(await messages("919800000003")).toEqual([]);
  });

  it("refuses a body that is not JSON", async () => {
    const answer = await post("/api/v5/flow", "x", { authkey: AUTH_KEY, "content-type": "text/plain" });
    expect(answer.status).toBe(400);
    expect(answer.body.type).toBe("error");
  });

  it("answers HTTP 200 with type error for an unknown template", async () => {
    const answer = await post("/api/v5/flow", { template_id: "nope", recipients: [{ mobiles: "919800000004", OTP: "1", APP: "a" }] });
    expect(answer).toEqual({ status: 200, body: { type: "error", message: "Invalid template id" } });
    expect(await messages("919800000004")).toEqual([]);
  });

  it("answers HTTP 200 with type error when a template variable is missing (names are case-sensitive)", async () => {
    const answer = await flowSend("919800000005", { otp: "482913", APP: "Acme" });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ type: "error", message: expect.stringContaining("OTP") });
    expect(await messages("919800000005")).toEqual([]);
  });

  it("refuses a mobile written with '+' or without the country code", async () => {
    for (const mobile of ["+919800000006", "9800006", "91 98000 00006"]) {
      const answer = await flowSend(mobile);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ type: "error", message: expect.stringMatching(/mobile/i) });
    }
  });
});

describe("OTP API (/api/v5/otp)", () => {
  it("accepts our own code with a registered template and records it", async () => {
    const answer = await otpSend({ mobile: "919800000011", otp: "482913", otp_length: "6", otp_expiry: "10" });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ request_id: expect.stringMatching(/^[0-9a-f]{24}$/), type: "success" });
    expect(await messages("919800000011")).toEqual([
      { api: "otp", templateId: OTP_TEMPLATE, mobile: "919800000011", variables: { OTP: "482913" } },
    ]);
  });

  it("makes up a code of otp_length digits when none is given", async () => {
    expect((await otpSend({ mobile: "919800000012", otp_length: "6" })).body.type).toBe("success");
    const [message] = (await messages("919800000012")) as { variables: { OTP: string } }[];
    expect(message?.variables.OTP).toMatch(/^\d{6}$/);
  });

  it("refuses a wrong authkey, an unknown template, a '+' mobile and a bad otp_length", async () => {
    const wrongKey = await post(`/api/v5/otp?template_id=${OTP_TEMPLATE}&mobile=919800000013&otp=1234`, {}, { ...JSON_HEADERS, authkey: "nope" });
    expect(wrongKey).toEqual({ status: 401, body: { type: "error", message: "AuthenticationFailure", code: "401" } });
    expect((await otpSend({ template_id: "nope", mobile: "919800000013", otp: "1234" })).body).toEqual({ type: "error", message: "Invalid template id" });
    expect((await otpSend({ mobile: "+919800000013", otp: "1234" })).body.type).toBe("error");
    const mismatch = await otpSend({ mobile: "919800000013", otp: "1234", otp_length: "6" });
    expect(mismatch).toEqual({ status: 200, body: { type: "error", message: "invalid_otp_length" } });
    expect(await messages("919800000013")).toEqual([]);
  });
});

describe("scenarios", () => {
  it("makes later sends to a mobile fail as told, without recording them", async () => {
    await scenario({ mobile: "919800000021", status: 200, type: "error", message: "Insufficient balance", delayMs: 0 });
    expect(await flowSend("919800000021")).toEqual({ status: 200, body: { type: "error", message: "Insufficient balance" } });
    await scenario({ mobile: "919800000022", status: 500, type: "error", message: "Server error" });
    expect((await otpSend({ mobile: "919800000022", otp: "1234" })).status).toBe(500);
    expect(await messages("919800000021")).toEqual([]);
    expect(await messages("919800000022")).toEqual([]);
  });

  it("stalls then succeeds, recording the message before the delay", async () => {
    await scenario({ mobile: "919800000023", status: 200, type: "success", delayMs: 400 });
    const started = Date.now();
    const pending = otpSend({ mobile: "919800000023", otp: "9876" });
    await new Promise((r) => setTimeout(r, 100));
    expect(await messages("919800000023")).toHaveLength(1);
    const answer = await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(answer.body.type).toBe("success");
  });

  it("a caller that gives up on a stall still leaves the message recorded", async () => {
    await scenario({ mobile: "919800000024", type: "success", delayMs: 2_000 });
    const aborted = await fetch(`${msg91.url}/api/v5/flow`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ template_id: FLOW_TEMPLATE, recipients: [{ mobiles: "919800000024", OTP: "1", APP: "a" }] }),
      signal: AbortSignal.timeout(100),
    }).catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(Error);
    expect(await messages("919800000024")).toHaveLength(1);
  });
});
