import { AwsClient } from "aws4fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sigV4Signature, startFakeSns, type FakeSns } from "../support/fake-sns";

/**
 * AWS's SigV4 test suite (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html),
 * as vendored in boto/botocore at tests/unit/auth/aws4_testsuite/<name>/<name>.{req,creq,authz}:
 * every case signs with these credentials, date, region and service.
 */
const SUITE = { amzDate: "20150830T123600Z", region: "us-east-1", service: "service", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const SUITE_HEADERS = { Host: "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z" };
const FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8";
/** botocore's SNS model `xmlNamespace`, as the live service answers (AWS's doc examples print https://…). */
const SNS_XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";
const toAmzDate = (ms: number): string => new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, "");

describe("sigV4Signature reproduces AWS's SigV4 test suite", () => {
  const cases = [
    { name: "get-vanilla", method: "GET", query: "", headers: SUITE_HEADERS, signed: ["host", "x-amz-date"], payload: "", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { name: "get-vanilla-query-order-key-case", method: "GET", query: "Param2=value2&Param1=value1", headers: SUITE_HEADERS, signed: ["host", "x-amz-date"], payload: "", signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
    { name: "get-header-value-trim", method: "GET", query: "", headers: { ...SUITE_HEADERS, "My-Header1": " value1", "My-Header2": ' "a   b   c"' }, signed: ["host", "my-header1", "my-header2", "x-amz-date"], payload: "", signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
    { name: "post-x-www-form-urlencoded", method: "POST", query: "", headers: { ...SUITE_HEADERS, "Content-Type": "application/x-www-form-urlencoded" }, signed: ["content-type", "host", "x-amz-date"], payload: "Param1=value1", signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
    { name: "post-x-www-form-urlencoded-parameters", method: "POST", query: "", headers: { ...SUITE_HEADERS, "Content-Type": "application/x-www-form-urlencoded; charset=utf8" }, signed: ["content-type", "host", "x-amz-date"], payload: "Param1=value1", signature: "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe" },
  ];
  it.each(cases)("$name", (c) => {
    expect(sigV4Signature({ ...SUITE, method: c.method, path: "/", query: c.query, headers: c.headers, signedHeaders: c.signed, payload: c.payload })).toBe(c.signature);
  });
});

const KEY = "AKIAFAKESNS0000TEST1";
const SECRET = "fake-sns-secret/For+Tests0000000000000000";
const REGION = "eu-west-1";
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
let sns: FakeSns;

beforeAll(async () => {
  sns = await startFakeSns({ accessKeyId: KEY, secretAccessKey: SECRET, region: REGION, now: () => NOW });
});
afterAll(async () => {
  await sns.close();
});

function publishForm(to: string, extra: Record<string, string> = {}): string {
  return new URLSearchParams({
    Action: "Publish",
    Version: "2010-03-31",
    PhoneNumber: to,
    Message: "Your code is 123456",
    "MessageAttributes.entry.1.Name": "AWS.SNS.SMS.SMSType",
    "MessageAttributes.entry.1.Value.DataType": "String",
    "MessageAttributes.entry.1.Value.StringValue": "Transactional",
    ...extra,
  }).toString();
}

interface SignOpts { key?: string; secret?: string; region?: string; datetime?: string; allHeaders?: boolean; signal?: AbortSignal }

/** Signed by aws4fetch, the signer the Worker uses: an implementation independent of the fake's. */
function signed(body: string, o: SignOpts = {}): Promise<Request> {
  const client = new AwsClient({ accessKeyId: o.key ?? KEY, secretAccessKey: o.secret ?? SECRET, service: "sns", region: o.region ?? REGION, retries: 0 });
  return client.sign(`${sns.url}/`, { method: "POST", headers: { "content-type": FORM_TYPE }, body, signal: o.signal ?? null, aws: { datetime: o.datetime ?? toAmzDate(NOW), allHeaders: o.allHeaders ?? false } });
}

/** Signed by the fake's own helper, for requests aws4fetch will not make. */
function handSigned(body: string, signedHeaders: string[], amzDate = toAmzDate(NOW)): Promise<Response> {
  const headers = { host: new URL(sns.url).host, "x-amz-date": amzDate, "content-type": FORM_TYPE };
  const signature = sigV4Signature({ method: "POST", path: "/", query: "", headers, signedHeaders, payload: body, amzDate, region: REGION, service: "sns", secretAccessKey: SECRET });
  const authorization = `AWS4-HMAC-SHA256 Credential=${KEY}/${amzDate.slice(0, 8)}/${REGION}/sns/aws4_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
  return fetch(`${sns.url}/`, { method: "POST", headers: { "x-amz-date": amzDate, "content-type": FORM_TYPE, authorization }, body });
}

const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

async function awsError(res: Response): Promise<{ status: number; type?: string; code?: string; message?: string }> {
  const xml = await res.text();
  expect(xml).toContain(`<ErrorResponse xmlns="${SNS_XMLNS}">`);
  expect(tag(xml, "RequestId")).toMatch(/^[0-9a-f-]{36}$/);
  return { status: res.status, type: tag(xml, "Type"), code: tag(xml, "Code"), message: tag(xml, "Message") };
}

async function messages(to: string): Promise<{ PhoneNumber: string; Message: string; attributes: Record<string, string>; signedHeaders: string[] }[]> {
  const res = await fetch(`${sns.url}/__messages?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { messages: Awaited<ReturnType<typeof messages>> }).messages;
}

const scenario = (body: Record<string, unknown>): Promise<Response> => fetch(`${sns.url}/__scenario`, { method: "POST", body: JSON.stringify(body) });

describe("fake SNS Publish", () => {
  it("accepts a request aws4fetch signed with the right secret, answers PublishResponse and records it", async () => {
    const to = "+447700900101";
    const res = await fetch(await signed(publishForm(to, { "MessageAttributes.entry.2.Name": "AWS.SNS.SMS.SenderID", "MessageAttributes.entry.2.Value.DataType": "String", "MessageAttributes.entry.2.Value.StringValue": "EdgeAuth" })));
    const xml = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/xml");
    expect(xml).toContain(`<PublishResponse xmlns="${SNS_XMLNS}">`);
    expect(tag(xml, "MessageId")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(tag(xml, "RequestId")).toBe(res.headers.get("x-amzn-requestid"));
    expect(await messages(to)).toEqual([
      { PhoneNumber: to, Message: "Your code is 123456", attributes: { "AWS.SNS.SMS.SMSType": "Transactional", "AWS.SNS.SMS.SenderID": "EdgeAuth" }, signedHeaders: ["host", "x-amz-date"], MessageId: tag(xml, "MessageId") },
    ]);
  });

  it("checks exactly the headers SignedHeaders lists (content-type too when signed), and agrees with its own helper", async () => {
    const to = "+447700900102";
    expect((await fetch(await signed(publishForm(to), { allHeaders: true }))).status).toBe(200);
    expect((await handSigned(publishForm(to), ["content-type", "host", "x-amz-date"])).status).toBe(200);
    expect((await messages(to)).map((m) => m.signedHeaders)).toEqual([["content-type", "host", "x-amz-date"], ["content-type", "host", "x-amz-date"]]);
  });

  it("accepts AWS.MM.SMS.OriginationNumber and AWS.SNS.SMS.MaxPrice (a Number)", async () => {
    const to = "+14155550103";
    const extra = {
      "MessageAttributes.entry.2.Name": "AWS.MM.SMS.OriginationNumber", "MessageAttributes.entry.2.Value.DataType": "String", "MessageAttributes.entry.2.Value.StringValue": "+18005550100",
      "MessageAttributes.entry.3.Name": "AWS.SNS.SMS.MaxPrice", "MessageAttributes.entry.3.Value.DataType": "Number", "MessageAttributes.entry.3.Value.StringValue": "0.50",
    };
    expect((await fetch(await signed(publishForm(to, extra)))).status).toBe(200);
    expect((await messages(to))[0]?.attributes).toEqual({ "AWS.SNS.SMS.SMSType": "Transactional", "AWS.MM.SMS.OriginationNumber": "+18005550100", "AWS.SNS.SMS.MaxPrice": "0.50" });
  });

  it("refuses a wrong secret with 403 SignatureDoesNotMatch", async () => {
    const to = "+447700900104";
    expect(await awsError(await fetch(await signed(publishForm(to), { secret: "not-the-secret" })))).toEqual({
      status: 403, type: "Sender", code: "SignatureDoesNotMatch",
      message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    });
    expect(await messages(to)).toEqual([]);
  });

  it("refuses a body changed after signing", async () => {
    const to = "+447700900105";
    const req = await signed(publishForm(to));
    const res = await fetch(req.url, { method: "POST", headers: req.headers, body: publishForm(to).replace("123456", "999999") });
    expect(await awsError(res)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await messages(to)).toEqual([]);
  });

  it("refuses an X-Amz-Date more than 5 minutes from its clock, either way", async () => {
    const to = "+447700900106";
    expect(await awsError(await fetch(await signed(publishForm(to), { datetime: toAmzDate(NOW - 5 * 60_000 - 1000) })))).toEqual({
      status: 403, type: "Sender", code: "SignatureDoesNotMatch", message: "Signature expired: 20260115T115459Z is now earlier than 20260115T115500Z (20260115T120000Z - 5 min.)",
    });
    expect(await awsError(await fetch(await signed(publishForm(to), { datetime: toAmzDate(NOW + 6 * 60_000) })))).toMatchObject({ status: 403, code: "SignatureDoesNotMatch", message: expect.stringMatching(/^Signature not yet current/) });
    expect((await fetch(await signed(publishForm(to), { datetime: toAmzDate(NOW - 4 * 60_000) }))).status).toBe(200);
  });

  it("refuses another access key, region, a missing Authorization, and SignedHeaders without host or x-amz-date", async () => {
    const to = "+447700900107";
    expect(await awsError(await fetch(await signed(publishForm(to), { key: "AKIAOTHERKEY00000000" })))).toMatchObject({ status: 403, code: "InvalidClientTokenId" });
    expect(await awsError(await fetch(await signed(publishForm(to), { region: "us-east-1" })))).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await awsError(await fetch(`${sns.url}/`, { method: "POST", headers: { "content-type": FORM_TYPE }, body: publishForm(to) }))).toMatchObject({ status: 403, code: "MissingAuthenticationToken" });
    expect(await awsError(await handSigned(publishForm(to), ["x-amz-date"]))).toMatchObject({ status: 403, code: "SignatureDoesNotMatch", message: expect.stringContaining("'Host'") });
    expect(await awsError(await handSigned(publishForm(to), ["content-type", "host"]))).toMatchObject({ status: 403, code: "SignatureDoesNotMatch", message: expect.stringContaining("'X-Amz-Date'") });
    expect(await messages(to)).toEqual([]);
  });

  it("validates the Publish form like SNS", async () => {
    const bad = async (body: string) => awsError(await fetch(await signed(body)));
    expect(await bad(publishForm("07700900108"))).toMatchObject({ status: 400, code: "InvalidParameter", message: expect.stringContaining("PhoneNumber") });
    expect(await bad(publishForm("+447700900108", { Message: "" }))).toMatchObject({ status: 400, code: "InvalidParameter", message: "Invalid parameter: Empty message" });
    expect(await bad(publishForm("+447700900108", { "MessageAttributes.entry.1.Value.StringValue": "Urgent" }))).toMatchObject({ status: 400, code: "InvalidParameter" });
    expect(await bad(publishForm("+447700900108", { "MessageAttributes.entry.1.Value.DataType": "Binary" }))).toMatchObject({ status: 400, code: "InvalidParameter" });
    expect(await bad(publishForm("+447700900108", { Action: "Subscribe" }))).toMatchObject({ status: 400, code: "InvalidAction" });
    expect(await bad(publishForm("+447700900108", { Version: "2009-01-01" }))).toMatchObject({ status: 400, code: "InvalidAction" });
    expect(await awsError(await fetch(`${sns.url}/?Action=Publish`))).toMatchObject({ status: 400, code: "InvalidAction" });
    expect(await messages("+447700900108")).toEqual([]);
  });

  it("answers a scenario's AWS error, Receiver-typed for 5xx, without recording the message", async () => {
    const to = "+447700900109";
    await scenario({ to, status: 429, code: "Throttled" });
    expect(await awsError(await fetch(await signed(publishForm(to))))).toMatchObject({ status: 429, type: "Sender", code: "Throttled" });
    await scenario({ to, status: 500 });
    expect(await awsError(await fetch(await signed(publishForm(to))))).toMatchObject({ status: 500, type: "Receiver", code: "InternalError" });
    expect(await messages(to)).toEqual([]);
  });

  it("stalls a scenario's delayMs, having recorded the message first, then succeeds", async () => {
    const to = "+447700900110";
    await scenario({ to, delayMs: 400 });
    const gaveUp = await fetch(await signed(publishForm(to), { signal: AbortSignal.timeout(100) })).then(() => null, (e: unknown) => e);
    expect((gaveUp as Error).name).toBe("TimeoutError");
    expect(await messages(to)).toHaveLength(1);
    const started = Date.now();
    const res = await fetch(await signed(publishForm(to)));
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(await messages(to)).toHaveLength(2);
  });
});
