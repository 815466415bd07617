/**
 * The fakes of Twilio Lookup v2 and Cloudflare Turnstile siteverify, checked
 * over real HTTP against the wire format of the real services (shapes taken
 * from Twilio's Lookup v2 OpenAPI examples and Cloudflare's siteverify docs).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TWILIO_TEST_ACCOUNT_SID, TWILIO_TEST_AUTH_TOKEN } from "../support/constants";
import { LINE_TYPES, startFakeLookup, type FakeLookup } from "../support/fake-twilio-lookup";
import { startFakeTurnstile, type FakeTurnstile } from "../support/fake-turnstile";

let lookup: FakeLookup;
let turnstile: FakeTurnstile;

beforeAll(async () => {
  lookup = await startFakeLookup({ accountSid: TWILIO_TEST_ACCOUNT_SID, authToken: TWILIO_TEST_AUTH_TOKEN });
  turnstile = await startFakeTurnstile();
});
afterAll(async () => {
  await lookup.close();
  await turnstile.close();
});

const basic = (sid: string, token: string): string => `Basic ${Buffer.from(`${sid}:${token}`).toString("base64")}`;
const AUTH = basic(TWILIO_TEST_ACCOUNT_SID, TWILIO_TEST_AUTH_TOKEN);

/** GET /v2/PhoneNumbers/{encoded phone}{query} with the test credentials unless told otherwise. */
function lookupRaw(pathNumber: string, query = "?Fields=line_type_intelligence", init: RequestInit = {}): Promise<Response> {
  return fetch(`${lookup.url}/v2/PhoneNumbers/${pathNumber}${query}`, { headers: { authorization: AUTH }, ...init });
}

async function lookupJson(phone: string, query?: string): Promise<Record<string, unknown>> {
  const res = await lookupRaw(encodeURIComponent(phone), query);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json");
  return (await res.json()) as Record<string, unknown>;
}

async function scenario(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${lookup.url}/__scenario`, { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(204);
}

async function lookups(phone: string): Promise<number> {
  const res = await fetch(`${lookup.url}/__lookups?phone=${encodeURIComponent(phone)}`);
  return ((await res.json()) as { count: number }).count;
}

const NO_PACKAGES = {
  caller_name: null,
  sim_swap: null,
  call_forwarding: null,
  line_status: null,
  line_type_intelligence: null,
  identity_match: null,
  reassigned_number: null,
  sms_pumping_risk: null,
  phone_number_quality_score: null,
  pre_fill: null,
};

describe("fake Twilio Lookup v2", () => {
  it("answers a line type lookup with Twilio's PhoneNumber JSON, key for key", async () => {
    const body = await lookupJson("+14159929960");
    expect(body).toEqual({
      calling_country_code: "1",
      country_code: "US",
      phone_number: "+14159929960",
      national_format: "(415) 992-9960",
      valid: true,
      validation_errors: null,
      ...NO_PACKAGES,
      line_type_intelligence: {
        carrier_name: "Fake Mobile Wireless",
        error_code: null,
        mobile_country_code: "310",
        mobile_network_code: "01",
        type: "mobile",
      },
      url: "https://lookups.twilio.com/v2/PhoneNumbers/+14159929960",
    });
    // Twilio's order of keys, as in its API examples.
    expect(Object.keys(body)).toEqual([
      "calling_country_code",
      "country_code",
      "phone_number",
      "national_format",
      "valid",
      "validation_errors",
      ...Object.keys(NO_PACKAGES),
      "url",
    ]);
    expect(Object.keys(body.line_type_intelligence as object).sort()).toEqual([
      "carrier_name",
      "error_code",
      "mobile_country_code",
      "mobile_network_code",
      "type",
    ]);
  });

  it("requires HTTP Basic auth with the account SID and auth token: otherwise Twilio's 401 error JSON", async () => {
    const expected401 = { code: 20003, message: "Authenticate", more_info: "https://www.twilio.com/docs/errors/20003", status: 401 };
    for (const authorization of [
      undefined,
      basic(TWILIO_TEST_ACCOUNT_SID, "wrong-token"),
      basic("AC00000000000000000000000000000002", TWILIO_TEST_AUTH_TOKEN),
      `Bearer ${TWILIO_TEST_AUTH_TOKEN}`,
    ]) {
      const res = await lookupRaw("%2B919876510001", undefined, { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(expected401);
    }
    // Refused requests are not lookups.
    expect(await lookups("+919876510001")).toBe(0);
  });

  it("reads the path number URL-encoded (%2B…), accepts a raw + like Twilio, and normalizes to E.164", async () => {
    const encoded = await lookupRaw("%2B919876510002");
    expect(((await encoded.json()) as { phone_number: string }).phone_number).toBe("+919876510002");
    const rawPlus = await lookupRaw("+919876510002");
    expect(((await rawPlus.json()) as { phone_number: string }).phone_number).toBe("+919876510002");
    const spaced = await lookupRaw(encodeURIComponent("+91 98765 10002"));
    expect(((await spaced.json()) as { phone_number: string }).phone_number).toBe("+919876510002");
    expect(await lookups("+919876510002")).toBe(3);
    // "?phone=+…" unencoded in the control query means the same number.
    expect(((await (await fetch(`${lookup.url}/__lookups?phone=+919876510002`)).json()) as { count: number }).count).toBe(3);

    // National format is read for CountryCode (Twilio's default is US).
    expect((await lookupJson("07772000001", "?Fields=line_type_intelligence&CountryCode=GB")).phone_number).toBe("+447772000001");
    expect((await lookupJson("4159929961", "?Fields=line_type_intelligence")).phone_number).toBe("+14159929961");
  });

  it("without line_type_intelligence in Fields answers the basic lookup: line_type_intelligence is null", async () => {
    for (const query of ["", "?Fields=caller_name", "?fields=line_type_intelligence", "?Fields="]) {
      const body = await lookupJson("+447772000002", query);
      expect(body).toMatchObject({ ...NO_PACKAGES, valid: true, phone_number: "+447772000002", national_format: "07772 000002" });
    }
    const combined = await lookupJson("+447772000002", "?Fields=caller_name,line_type_intelligence");
    expect(combined.line_type_intelligence).toMatchObject({ type: "mobile", mobile_country_code: "234" });
    expect(combined.caller_name).toBeNull();
    expect(await lookups("+447772000002")).toBe(5);
  });

  it("returns every Twilio line type on request, with carrier data only for the types Twilio has it for", async () => {
    const withoutCarrier = ["personal", "tollFree", "premium", "sharedCost", "uan", "voicemail", "pager", "unknown"];
    expect([...LINE_TYPES].sort()).toEqual([...withoutCarrier, "landline", "mobile", "fixedVoip", "nonFixedVoip"].sort());
    for (const [i, type] of LINE_TYPES.entries()) {
      const phone = `+9198765200${String(i).padStart(2, "0")}`;
      await scenario({ phone, type });
      const lti = (await lookupJson(phone)).line_type_intelligence as Record<string, unknown>;
      expect(lti.type).toBe(type);
      expect(lti.error_code).toBeNull();
      if (withoutCarrier.includes(type)) {
        expect([lti.carrier_name, lti.mobile_country_code, lti.mobile_network_code]).toEqual([null, null, null]);
      } else {
        expect(lti.carrier_name).toEqual(expect.any(String));
        expect(lti.mobile_country_code).toBe("404");
        expect(lti.mobile_network_code).toMatch(/^\d{2,3}$/);
      }
    }
    const refused = await fetch(`${lookup.url}/__scenario`, { method: "POST", body: JSON.stringify({ phone: "+919876520099", type: "voip" }) });
    expect(refused.status).toBe(400);
  });

  it("a package-level error comes back in line_type_intelligence.error_code, with a 200", async () => {
    await scenario({ phone: "+14165550123", errorCode: 60601 });
    expect((await lookupJson("+14165550123")).line_type_intelligence).toEqual({
      carrier_name: null,
      error_code: 60601,
      mobile_country_code: null,
      mobile_network_code: null,
      type: null,
    });
  });

  it("answers invalid numbers with 200, valid: false and Twilio's validation_errors, and no package data", async () => {
    // Twilio's own example (fetchInvalid in its Lookup v2 OpenAPI spec), word for word.
    expect(await lookupJson("+141599299600")).toEqual({
      calling_country_code: null,
      country_code: null,
      phone_number: "+141599299600",
      national_format: null,
      valid: false,
      validation_errors: ["TOO_LONG"],
      ...NO_PACKAGES,
      url: "https://lookups.twilio.com/v2/PhoneNumbers/+141599299600",
    });
    const cases: [string, string][] = [
      ["+1415", "TOO_SHORT"],
      ["+999123456", "INVALID_COUNTRY_CODE"],
      ["+11235550100", "INVALID_BUT_POSSIBLE"],
      ["not-a-number", "NOT_A_NUMBER"],
    ];
    for (const [phone, error] of cases) {
      const body = await lookupJson(phone);
      expect([body.valid, body.validation_errors, body.line_type_intelligence, body.country_code]).toEqual([false, [error], null, null]);
    }
  });

  it("refuses other methods (405/20004) and other resources (404/20404) with Twilio's error JSON", async () => {
    const post = await lookupRaw("%2B14159929960", "", { method: "POST", headers: { authorization: AUTH } });
    expect(post.status).toBe(405);
    expect(await post.json()).toMatchObject({ code: 20004, status: 405 });
    for (const path of ["/v1/PhoneNumbers/%2B14159929960", "/v2/PhoneNumbers/", "/v2/PhoneNumbers/%2B14159929960/Overrides"]) {
      const res = await fetch(`${lookup.url}${path}`, { headers: { authorization: AUTH } });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 20404, status: 404, more_info: "https://www.twilio.com/docs/errors/20404" });
    }
  });

  it("plays a scenario's error status and code per phone, and counts the attempt", async () => {
    await scenario({ phone: "+919876530001", status: 503, code: 20500 });
    const res = await lookupRaw("%2B919876530001");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      code: 20500,
      message: "Internal Server Error",
      more_info: "https://www.twilio.com/docs/errors/20500",
      status: 503,
    });
    await scenario({ phone: "+919876530002", status: 429, code: 20429 });
    expect((await lookupRaw("%2B919876530002")).status).toBe(429);
    // Another number is untouched.
    expect((await lookupRaw("%2B919876530003")).status).toBe(200);
    expect([await lookups("+919876530001"), await lookups("+919876530002"), await lookups("+919876530003")]).toEqual([1, 1, 1]);
  });

  it("stalls a phone's answer for delayMs: a caller's deadline fires, a patient caller gets the answer", async () => {
    await scenario({ phone: "+919876540001", delayMs: 800 });
    const late = await lookupRaw("%2B919876540001", undefined, { headers: { authorization: AUTH }, signal: AbortSignal.timeout(200) }).then(
      () => "answered",
      (e: Error) => e.name,
    );
    expect(late).toBe("TimeoutError");
    const started = Date.now();
    const res = await lookupRaw("%2B919876540001");
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    // Counted when received: the abandoned request was a lookup too.
    expect(await lookups("+919876540001")).toBe(2);
  });

  it("counts lookups per phone, so a cache can be asserted", async () => {
    expect(await lookups("+919876550001")).toBe(0);
    await lookupJson("+919876550001");
    await lookupJson("+919876550001");
    expect(await lookups("+919876550001")).toBe(2);
    expect(await lookups("+919876550002")).toBe(0);
  });
});

const SECRET = "0x4AAAAAAAfake-secret-for-tests";

async function mint(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${turnstile.url}/__token`, { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

function verifyForm(params: Record<string, string>): Promise<Response> {
  return fetch(`${turnstile.url}/turnstile/v0/siteverify`, { method: "POST", body: new URLSearchParams(params) });
}

function verifyJson(params: Record<string, unknown>): Promise<Response> {
  return fetch(`${turnstile.url}/turnstile/v0/siteverify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
}

async function verdict(res: Promise<Response>): Promise<Record<string, unknown>> {
  const r = await res;
  expect(r.headers.get("content-type")).toBe("application/json");
  return (await r.json()) as Record<string, unknown>;
}

async function verifications(response?: string): Promise<number> {
  const query = response === undefined ? "" : `?response=${encodeURIComponent(response)}`;
  return ((await (await fetch(`${turnstile.url}/__verifications${query}`)).json()) as { count: number }).count;
}

describe("fake Cloudflare Turnstile siteverify", () => {
  it("verifies a form-encoded request like Cloudflare: success, challenge_ts, hostname, error-codes, action, cdata", async () => {
    const before = Date.now();
    const token = await mint({ secret: SECRET, hostname: "auth.test", action: "request_otp", cdata: "sess-1" });
    const res = await verifyForm({ secret: SECRET, response: token, remoteip: "198.51.100.7" });
    expect(res.status).toBe(200);
    const body = await verdict(Promise.resolve(res));
    expect(body).toEqual({
      success: true,
      challenge_ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      hostname: "auth.test",
      "error-codes": [],
      action: "request_otp",
      cdata: "sess-1",
    });
    expect(Object.keys(body)).toEqual(["success", "challenge_ts", "hostname", "error-codes", "action", "cdata"]);
    expect(Date.parse(body.challenge_ts as string)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(body.challenge_ts as string)).toBeLessThanOrEqual(Date.now());
  });

  it("takes JSON bodies and FormData (multipart) bodies as well", async () => {
    const jsonToken = await mint({ secret: SECRET, action: "verify_otp" });
    expect(await verdict(verifyJson({ secret: SECRET, response: jsonToken, remoteip: "2001:db8::1" }))).toMatchObject({
      success: true,
      hostname: "auth.test",
      action: "verify_otp",
      cdata: "",
    });
    const multipartToken = await mint({ secret: SECRET });
    const form = new FormData();
    form.append("secret", SECRET);
    form.append("response", multipartToken);
    const res = await fetch(`${turnstile.url}/turnstile/v0/siteverify`, { method: "POST", body: form });
    expect(((await res.json()) as { success: boolean }).success).toBe(true);
  });

  it("a token is single use: the second verification is timeout-or-duplicate", async () => {
    const token = await mint({ secret: SECRET, action: "request_otp" });
    expect((await verdict(verifyForm({ secret: SECRET, response: token }))).success).toBe(true);
    expect(await verdict(verifyForm({ secret: SECRET, response: token }))).toEqual({ success: false, "error-codes": ["timeout-or-duplicate"] });
    expect(await verdict(verifyJson({ secret: SECRET, response: token }))).toEqual({ success: false, "error-codes": ["timeout-or-duplicate"] });
  });

  it("a retry with the first verification's idempotency_key gets the same answer; any other retry is a duplicate", async () => {
    const key = crypto.randomUUID();
    const token = await mint({ secret: SECRET, action: "request_otp", cdata: "c" });
    const first = await verdict(verifyForm({ secret: SECRET, response: token, idempotency_key: key }));
    expect(first.success).toBe(true);
    expect(await verdict(verifyForm({ secret: SECRET, response: token, idempotency_key: key }))).toEqual(first);
    expect(await verdict(verifyJson({ secret: SECRET, response: token, idempotency_key: key }))).toEqual(first);
    const duplicate = { success: false, "error-codes": ["timeout-or-duplicate"] };
    expect(await verdict(verifyForm({ secret: SECRET, response: token, idempotency_key: crypto.randomUUID() }))).toEqual(duplicate);
    expect(await verdict(verifyForm({ secret: SECRET, response: token }))).toEqual(duplicate);

    // A key only given on the retry does not help: the first use had none.
    const other = await mint({ secret: SECRET });
    expect((await verdict(verifyForm({ secret: SECRET, response: other }))).success).toBe(true);
    expect(await verdict(verifyForm({ secret: SECRET, response: other, idempotency_key: key }))).toEqual(duplicate);
  });

  it("a token older than 300 seconds is timeout-or-duplicate", async () => {
    const token = await mint({ secret: SECRET, ageSeconds: 301 });
    expect(await verdict(verifyForm({ secret: SECRET, response: token }))).toEqual({ success: false, "error-codes": ["timeout-or-duplicate"] });
    const fresh = await mint({ secret: SECRET, ageSeconds: 290 });
    expect((await verdict(verifyForm({ secret: SECRET, response: fresh }))).success).toBe(true);
  });

  it("answers each of Cloudflare's error codes", async () => {
    const token = await mint({ secret: SECRET });
    const fail = (...codes: string[]) => ({ success: false, "error-codes": codes });

    expect(await verdict(verifyForm({ response: token }))).toEqual(fail("missing-input-secret"));
    expect(await verdict(verifyJson({ secret: "", response: token }))).toEqual(fail("missing-input-secret"));
    expect(await verdict(verifyForm({ secret: SECRET }))).toEqual(fail("missing-input-response"));
    expect(await verdict(verifyForm({}))).toEqual(fail("missing-input-secret", "missing-input-response"));
    expect(await verdict(verifyForm({ secret: "0x4AAAAAAAnot-a-known-secret", response: token }))).toEqual(fail("invalid-input-secret"));
    expect(await verdict(verifyForm({ secret: SECRET, response: "0.forged-token" }))).toEqual(fail("invalid-input-response"));
    expect(await verdict(verifyForm({ secret: SECRET, response: "x".repeat(2049) }))).toEqual(fail("invalid-input-response"));

    // A token is valid only for the secret it was minted for.
    const otherSecret = "0x4AAAAAAAanother-widget";
    await fetch(`${turnstile.url}/__secret`, { method: "POST", body: JSON.stringify({ secret: otherSecret }) });
    expect(await verdict(verifyForm({ secret: otherSecret, response: token }))).toEqual(fail("invalid-input-response"));
    // None of the refusals above used the token up.
    expect((await verdict(verifyForm({ secret: SECRET, response: token }))).success).toBe(true);

    const badRequests: RequestInit[] = [
      { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" },
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(["secret", "response"]) },
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ secret: SECRET, response: 42 }) },
      { method: "POST", headers: { "content-type": "text/plain" }, body: `secret=${SECRET}&response=x` },
      { method: "POST", body: new URLSearchParams({ secret: SECRET, response: "x", idempotency_key: "not-a-uuid" }) },
    ];
    for (const init of badRequests) {
      const res = await fetch(`${turnstile.url}/turnstile/v0/siteverify`, init);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(fail("bad-request"));
    }
    const get = await fetch(`${turnstile.url}/turnstile/v0/siteverify`);
    expect(get.status).toBe(405);
    expect(await get.json()).toEqual(fail("bad-request"));
  });

  it("counts siteverify requests, in all and per token", async () => {
    const total = await verifications();
    const token = await mint({ secret: SECRET });
    expect(await verifications(token)).toBe(0);
    await verifyForm({ secret: SECRET, response: token });
    await verifyJson({ secret: SECRET, response: token });
    await verifyForm({ secret: "wrong", response: token });
    expect(await verifications(token)).toBe(3);
    expect(await verifications()).toBe(total + 3);
  });

  it("refuses to mint a token without a secret", async () => {
    const res = await fetch(`${turnstile.url}/__token`, { method: "POST", body: JSON.stringify({ hostname: "auth.test" }) });
    expect(res.status).toBe(400);
  });
});
