import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TwilioSmsSender } from "../../src/adapters/twilio/sms-sender";
import { SmsSendError, SmsSendUnconfirmed } from "../../src/domain/ports";
import { startFakeTwilio, type FakeTwilio } from "../support/fake-twilio";
import { TWILIO_TEST_ACCOUNT_SID, TWILIO_TEST_AUTH_TOKEN, TWILIO_TEST_FROM } from "../support/constants";

let twilio: FakeTwilio;

beforeAll(async () => {
  twilio = await startFakeTwilio({ accountSid: TWILIO_TEST_ACCOUNT_SID, authToken: TWILIO_TEST_AUTH_TOKEN });
});
afterAll(async () => {
  await twilio.close();
});

function sender(overrides: Partial<ConstructorParameters<typeof TwilioSmsSender>[0]> = {}): TwilioSmsSender {
  return new TwilioSmsSender({
    accountSid: TWILIO_TEST_ACCOUNT_SID,
    authToken: TWILIO_TEST_AUTH_TOKEN,
    from: TWILIO_TEST_FROM,
    apiBase: twilio.url,
    timeoutMs: 500,
    ...overrides,
  });
}

async function received(to: string): Promise<Record<string, string | null>[]> {
  const res = await fetch(`${twilio.url}/__messages?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { messages: Record<string, string | null>[] }).messages;
}

async function unconfirmed(p: Promise<unknown>): Promise<SmsSendUnconfirmed> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(SmsSendUnconfirmed);
  return err as SmsSendUnconfirmed;
}

async function failure(p: Promise<unknown>): Promise<SmsSendError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(SmsSendError);
  return err as SmsSendError;
}

describe("Twilio SMS adapter against the local wire-format fake", () => {
  it("posts To, From and Body form-encoded with Basic auth to the Messages resource", async () => {
    const sent = await sender().send({ to: "+919876500001", body: "Your code is 123456 & more", code: "123456", minutes: 5 });
    const [message, ...more] = await received("+919876500001");
    expect(more).toEqual([]);
    expect(message).toEqual({ To: "+919876500001", From: TWILIO_TEST_FROM, MessagingServiceSid: null, Body: "Your code is 123456 & more", StatusCallback: null, Sid: message!.Sid });
    // The message's SID comes back, for its delivery receipt.
    expect(sent.messageId).toBe(message!.Sid);
    expect(sent.messageId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it("asks for delivery receipts at the StatusCallback URL with the message's receipt tag as its query", async () => {
    await sender({ statusCallback: "https://auth.example.com/webhooks/twilio/status" }).send({ to: "+919876500010", body: "x", code: "1", minutes: 5, receiptTag: "c=IN&u=sign_in" });
    expect((await received("+919876500010"))[0]!.StatusCallback).toBe("https://auth.example.com/webhooks/twilio/status?c=IN&u=sign_in");
  });

  it("uses MessagingServiceSid instead of From when configured", async () => {
    await sender({ from: undefined, messagingServiceSid: "MG00000000000000000000000000000001" }).send({ to: "+919876500002", body: "x", code: "123456", minutes: 5 });
    expect((await received("+919876500002"))[0]).toMatchObject({ From: null, MessagingServiceSid: "MG00000000000000000000000000000001" });
  });

  it("maps wrong credentials, Twilio error bodies and 5xx answers to SmsSendError (a definite refusal)", async () => {
    const auth = await failure(sender({ authToken: "wrong" }).send({ to: "+919876500003", body: "x", code: "123456", minutes: 5 }));
    // Our credentials: a fault of the provider path (the fallback may carry it), not a verdict on the message.
    expect([auth.reason, auth.providerStatus, auth.providerCode, auth.providerFault]).toEqual(["provider_401", 401, 20003, true]);

    await fetch(`${twilio.url}/__scenario`, { method: "POST", body: JSON.stringify({ to: "+919876500004", status: 400, code: 21211 }) });
    const invalid = await failure(sender().send({ to: "+919876500004", body: "x", code: "123456", minutes: 5 }));
    expect([invalid.reason, invalid.providerCode, invalid.providerFault]).toEqual(["provider_400", 21211, false]);
    // About our account or sender, whatever the status: a fault of the provider path.
    for (const [i, [status, code]] of [[400, 21212], [400, 20005], [404, 20404], [400, 21611], [400, 21606], [521, 0]].entries()) {
      const to = `+91987650011${i}`;
      await fetch(`${twilio.url}/__scenario`, { method: "POST", body: JSON.stringify({ to, status, code }) });
      expect((await failure(sender().send({ to, body: "x", code: "1", minutes: 5 }))).providerFault, `${status} ${code}`).toBe(true);
    }

    await fetch(`${twilio.url}/__scenario`, { method: "POST", body: JSON.stringify({ to: "+919876500005", status: 503, code: 30001 }) });
    const down = await failure(sender().send({ to: "+919876500005", body: "x", code: "123456", minutes: 5 }));
    expect([down.reason, down.providerFault]).toEqual(["provider_503", true]);

  });

  it("SEND-08: no answer (timeout, lost connection, 504 from a gateway) is SmsSendUnconfirmed, never a refusal", async () => {
    await fetch(`${twilio.url}/__scenario`, { method: "POST", body: JSON.stringify({ to: "+919876500006", delayMs: 2000 }) });
    const slow = await unconfirmed(sender({ timeoutMs: 300 }).send({ to: "+919876500006", body: "x", code: "123456", minutes: 5 }));
    expect(slow.reason).toBe("timeout");
    // The fake had queued it: the message may well arrive.
    expect(await received("+919876500006")).toHaveLength(1);

    expect(slow.timedOut).toBe(true);

    const refused = await unconfirmed(sender({ apiBase: "http://127.0.0.1:9" }).send({ to: "+919876500007", body: "x", code: "123456", minutes: 5 }));
    expect([refused.reason, refused.timedOut]).toEqual(["network", false]);

    // A gateway's timeout, or an internal error, cannot say whether the message was queued.
    for (const [i, status] of [504, 500, 502, 524].entries()) {
      const to = `+91987650009${i}`;
      await fetch(`${twilio.url}/__scenario`, { method: "POST", body: JSON.stringify({ to, status, code: 0 }) });
      const gateway = await unconfirmed(sender().send({ to, body: "x", code: "123456", minutes: 5 }));
      expect([gateway.reason, gateway.timedOut], String(status)).toEqual([`provider_${status}`, true]);
    }
  });

  it("the fake refuses what Twilio refuses: missing From/MessagingServiceSid", async () => {
    const err = await failure(sender({ from: undefined }).send({ to: "+919876500008", body: "x", code: "123456", minutes: 5 }));
    expect(err.providerCode).toBe(21603);
  });
});
