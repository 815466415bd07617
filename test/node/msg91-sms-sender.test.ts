import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flowBody, Msg91SmsSender } from "../../src/adapters/msg91/sms-sender";
import { SmsSendError, SmsSendUnconfirmed } from "../../src/domain/ports";
import { MSG91_TEST_AUTH_KEY, MSG91_TEST_TEMPLATE_ID, MSG91_TEST_TEMPLATE_VARIABLES } from "../support/constants";
import { rejection } from "../support/rejection";
import { startFakeMsg91, type FakeMsg91 } from "../support/fake-msg91";

let msg91: FakeMsg91;

beforeAll(async () => {
  msg91 = await startFakeMsg91({ authKey: MSG91_TEST_AUTH_KEY, templates: { [MSG91_TEST_TEMPLATE_ID]: MSG91_TEST_TEMPLATE_VARIABLES, codeonly: ["OTP"] } });
});
afterAll(async () => {
  await msg91.close();
});

function sender(overrides: Partial<ConstructorParameters<typeof Msg91SmsSender>[0]> = {}): Msg91SmsSender {
  return new Msg91SmsSender({ authKey: MSG91_TEST_AUTH_KEY, templateId: MSG91_TEST_TEMPLATE_ID, codeVariable: "otp", minutesVariable: "minutes", apiBase: msg91.url, timeoutMs: 500, ...overrides });
}

interface Received {
  api: string;
  templateId: string;
  mobile: string;
  variables: Record<string, string>;
}

async function received(mobile: string): Promise<Received[]> {
  const res = await fetch(`${msg91.url}/__messages?mobile=${mobile}`);
  return ((await res.json()) as { messages: Received[] }).messages;
}

const scenario = (mobile: string, s: Record<string, unknown>): Promise<Response> => fetch(`${msg91.url}/__scenario`, { method: "POST", body: JSON.stringify({ mobile, ...s }) });
const message = (to: string) => ({ to, body: "ignored: the DLT template decides the text", code: "482913", minutes: 5 });

describe("MSG91 adapter (flow API) against the local wire-format fake", () => {
  it("sends our own code into the registered template's variables, the number without +, and returns MSG91's request id", async () => {
    const sent = await sender().send(message("+919876520001"));
    expect(await received("919876520001")).toEqual([{ api: "flow", templateId: MSG91_TEST_TEMPLATE_ID, mobile: "919876520001", variables: { otp: "482913", minutes: "5" } }]);
    expect(sent.messageId).toMatch(/^[0-9a-f]{24}$/);
  });

  it("uses the template's own variable name for the code, and sends no minutes unless the template has them", async () => {
    await sender({ templateId: "codeonly", codeVariable: "OTP", minutesVariable: undefined }).send(message("+919876520002"));
    expect((await received("919876520002"))[0]!.variables).toEqual({ OTP: "482913" });
    expect(JSON.parse(flowBody({ templateId: "t", codeVariable: "otp" }, message("+919876520002")))).toEqual({ template_id: "t", short_url: "0", recipients: [{ mobiles: "919876520002", otp: "482913" }] });
  });

  it("a wrong authkey, an unknown template, and MSG91's HTTP 200 with type error are all refusals (SmsSendError)", async () => {
    const auth = await rejection(sender({ authKey: "wrong" }).send(message("+919876520003")), SmsSendError);
    expect([auth.providerStatus, auth.providerFault]).toEqual([401, true]);
    const template = await rejection(sender({ templateId: "unknown" }).send(message("+919876520003")), SmsSendError);
    expect(template.reason).toBe("provider_200");
    await scenario("919876520004", { status: 200, type: "error", message: "Insufficient balance", code: "301" });
    const balance = await rejection(sender().send(message("+919876520004")), SmsSendError);
    // No balance: the provider path fails for every message (the fallback may carry it); an invalid number is a verdict on this one.
    expect([balance.reason, balance.providerCode, balance.providerFault]).toEqual(["provider_200", 301, true]);
    // Anything not known to be about our account is taken as a verdict on the message: the fallback must not route around it.
    for (const [i, code] of ["202", "101", undefined].entries()) {
      const mobile = `91987652001${i}`;
      await scenario(mobile, { status: 200, type: "error", message: "Invalid mobile number", ...(code ? { code } : {}) });
      expect((await rejection(sender().send(message(`+${mobile}`)), SmsSendError)).providerFault, String(code)).toBe(false);
    }
    expect(await received("919876520003")).toEqual([]);
  });

  it("SEND-08: no answer, or a 504, is SmsSendUnconfirmed", async () => {
    await scenario("919876520005", { delayMs: 2000 });
    const slow = await rejection(sender({ timeoutMs: 300 }).send(message("+919876520005")), SmsSendUnconfirmed);
    expect([slow.reason, slow.timedOut]).toEqual(["timeout", true]);
    // A 2xx that is neither success nor error says nothing either way.
    const unreadable = new Msg91SmsSender({ authKey: "k", templateId: "t", codeVariable: "otp", apiBase: "http://unused", timeoutMs: 500, fetch: async () => new Response("<html>ok</html>", { status: 200 }) });
    expect((await rejection(unreadable.send(message("+919876520008")), SmsSendUnconfirmed)).reason).toBe("provider_unreadable");
    await scenario("919876520006", { status: 504, type: "error" });
    expect((await rejection(sender().send(message("+919876520006")), SmsSendUnconfirmed)).reason).toBe("provider_504");
  });
});
