import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { amzDate, SnsSmsSender } from "../../src/adapters/sns/sms-sender";
import { xmlElementText } from "../../src/adapters/sns/xml";
import { SmsSendError, SmsSendUnconfirmed } from "../../src/domain/ports";
import { SNS_TEST_ACCESS_KEY_ID, SNS_TEST_REGION, SNS_TEST_SECRET_ACCESS_KEY } from "../support/constants";
import { rejection } from "../support/rejection";
import { startFakeSns, type FakeSns } from "../support/fake-sns";

// The fake's clock and the signer's are both fixed: the fake recomputes the
// SigV4 signature of each request as of this date and refuses any other.
const FIXED = Date.parse("2026-11-28T10:00:00Z");
let sns: FakeSns;

beforeAll(async () => {
  sns = await startFakeSns({ accessKeyId: SNS_TEST_ACCESS_KEY_ID, secretAccessKey: SNS_TEST_SECRET_ACCESS_KEY, region: SNS_TEST_REGION, now: () => FIXED });
});
afterAll(async () => {
  await sns.close();
});

function sender(overrides: Partial<ConstructorParameters<typeof SnsSmsSender>[0]> = {}): SnsSmsSender {
  return new SnsSmsSender({
    accessKeyId: SNS_TEST_ACCESS_KEY_ID,
    secretAccessKey: SNS_TEST_SECRET_ACCESS_KEY,
    region: SNS_TEST_REGION,
    apiBase: sns.url,
    timeoutMs: 500,
    now: () => FIXED,
    ...overrides,
  });
}

interface Received {
  MessageId: string;
  PhoneNumber: string;
  Message: string;
  attributes: Record<string, string>;
  signedHeaders: string[];
}

async function received(to: string): Promise<Received[]> {
  const res = await fetch(`${sns.url}/__messages?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { messages: Received[] }).messages;
}

const scenario = (to: string, s: Record<string, unknown>): Promise<Response> => fetch(`${sns.url}/__scenario`, { method: "POST", body: JSON.stringify({ to, ...s }) });
const message = (to: string, body = "Your code is 123456") => ({ to, body, code: "123456", minutes: 5 });

describe("AWS SNS adapter against the local SigV4-checking fake", () => {
  it("publishes to the phone number, Transactional, signed with SigV4 for sns in the region, and returns SNS's MessageId", async () => {
    const sent = await sender().send(message("+919876510001", "Code: 123456 & more ✓"));
    const [got, ...more] = await received("+919876510001");
    expect(more).toEqual([]);
    expect(got).toMatchObject({ PhoneNumber: "+919876510001", Message: "Code: 123456 & more ✓", attributes: { "AWS.SNS.SMS.SMSType": "Transactional" } });
    expect(got!.signedHeaders).toEqual(expect.arrayContaining(["host", "x-amz-date"]));
    // The id SNS answered with, not the request's.
    expect(sent.messageId).toBe(got!.MessageId);
  });

  it("sends the sender id, origination number, maximum price (a Number) and India's DLT entity and template ids when set", async () => {
    await sender({ senderId: "ACME", originationNumber: "+18885550100", maxPriceUsd: "0.05", entityId: "1201159100000000001", templateId: "1207161000000000002" }).send(message("+919876510002"));
    expect((await received("+919876510002"))[0]!.attributes).toEqual({
      "AWS.SNS.SMS.SMSType": "Transactional",
      "AWS.SNS.SMS.SenderID": "ACME",
      "AWS.MM.SMS.OriginationNumber": "+18885550100",
      "AWS.SNS.SMS.MaxPrice": "0.05",
      "AWS.MM.SMS.EntityId": "1201159100000000001",
      "AWS.MM.SMS.TemplateId": "1207161000000000002",
    });
  });

  it("the fake checks the signature: a wrong secret, or a clock 10 minutes off, is refused (SmsSendError 403, AWS's code name kept)", async () => {
    const wrong = await rejection(sender({ secretAccessKey: "not-the-secret" }).send(message("+919876510003")), SmsSendError);
    expect([wrong.reason, wrong.providerStatus, wrong.providerError, wrong.providerFault]).toEqual(["provider_403", 403, "SignatureDoesNotMatch", true]);
    const late = await rejection(sender({ now: () => FIXED + 10 * 60_000 }).send(message("+919876510003")), SmsSendError);
    expect(late.providerError).toBe("SignatureDoesNotMatch");
    const region = await rejection(sender({ region: "eu-west-1" }).send(message("+919876510003")), SmsSendError);
    expect(region.providerStatus).toBe(403);
    expect(await received("+919876510003")).toEqual([]);
  });

  it("SEND-05, SEND-08: SNS refusals are SmsSendError with the code name; a 504 or no answer is SmsSendUnconfirmed; it never retries", async () => {
    await scenario("+919876510004", { status: 400, code: "InvalidParameter" });
    const invalid = await rejection(sender().send(message("+919876510004")), SmsSendError);
    expect([invalid.reason, invalid.providerError, invalid.providerFault]).toEqual(["provider_400", "InvalidParameter", false]);

    await scenario("+919876510008", { status: 429, code: "Throttled" });
    const throttled = await rejection(sender().send(message("+919876510008")), SmsSendError);
    expect([throttled.providerError, throttled.providerFault]).toEqual(["Throttled", true]);
    // AWS answers throttling and clock skew with a 400 too: by name, still a fault of the provider path.
    await scenario("+919876510009", { status: 400, code: "ThrottlingException" });
    expect((await rejection(sender().send(message("+919876510009")), SmsSendError)).providerFault).toBe(true);

    // SNS's internal error cannot say whether the message was published.
    await scenario("+919876510005", { status: 500, code: "InternalError" });
    expect((await rejection(sender().send(message("+919876510005")), SmsSendUnconfirmed)).reason).toBe("provider_500");

    await scenario("+919876510006", { delayMs: 2000 });
    const slow = await rejection(sender({ timeoutMs: 300 }).send(message("+919876510006")), SmsSendUnconfirmed);
    expect([slow.reason, slow.timedOut]).toEqual(["timeout", true]);
    // Sent once: aws4fetch's retry loop is not used.
    expect(await received("+919876510006")).toHaveLength(1);

    const down = await rejection(sender({ apiBase: "http://127.0.0.1:9" }).send(message("+919876510007")), SmsSendUnconfirmed);
    expect([down.reason, down.timedOut]).toEqual(["network", false]);
  });

  it("amzDate and xmlElementText: the signed date form, and only token-like element text", () => {
    expect(amzDate(Date.parse("2015-08-30T12:36:00.123Z"))).toBe("20150830T123600Z");
    expect(xmlElementText("<a><MessageId> 1f-2 </MessageId></a>", "MessageId")).toBe("1f-2");
    expect(xmlElementText("<Code>Bad &amp; worse</Code>", "Code")).toBeNull();
    expect(xmlElementText("<Code>x", "Code")).toBeNull();
    expect(xmlElementText("<Other>x</Other>", "Code")).toBeNull();
  });
});
