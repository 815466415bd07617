import { describe, expect, it } from "vitest";
import { twilioDeliveryStatus } from "../../../src/adapters/twilio/delivery-status";
import { keypressTwiml, voiceTwiml } from "../../../src/adapters/twilio/voice-caller";
import { answerKeypress, openCode, sealCode } from "../../../src/domain/voice-gate";
import { aesGcmDecrypt, fromBase64url, hkdf, importAesKey, toBase64url } from "../../../src/lib/crypto";
import { secretKeys } from "../../../src/lib/keys";
import { parseReceiptTag, receiptTag } from "../../../src/domain/delivery-receipts";
import { parseE164 } from "../../../src/domain/phone";
import { BUILT_IN_VOICE_TEMPLATES, composeVoice, speechLanguage, spokenDigits, voiceAllowed, type VoicePolicy } from "../../../src/domain/voice-message";

const policy = (extra: Partial<VoicePolicy> = {}): VoicePolicy => ({ allowCountries: ["IN"], templates: { ...BUILT_IN_VOICE_TEMPLATES }, appName: "Acme", ...extra });
const india = parseE164("+919876543210")!;

describe("voice codes (pure)", () => {
  it("read the digits one by one, the sentence twice, in the chosen language", () => {
    expect(spokenDigits("048213")).toBe("0, 4, 8, 2, 1, 3");
    expect(composeVoice(policy(), india, ["fr-CA", "en"], "048213", 300)).toEqual({
      to: "+919876543210",
      language: "fr-CA",
      lines: ["Votre code Acme est : 0, 4, 8, 2, 1, 3.", "Votre code Acme est : 0, 4, 8, 2, 1, 3."],
      prompt: { language: "fr-CA", text: "Appuyez sur une touche pour entendre votre code Acme." },
    });
    // A language with no built-in prompt is asked in English, with an English voice.
    const sw = composeVoice(policy({ templates: { ...BUILT_IN_VOICE_TEMPLATES, sw: "Nambari yako ya {app} ni {code}." } }), india, ["sw"], "1", 60);
    expect([sw.language, sw.prompt]).toEqual(["sw", { language: "en-US", text: "Press any key to hear your Acme code." }]);
  });

  it("choose an exact tag, then its language, then English; a bare language gets its usual region", () => {
    const templates = { ...BUILT_IN_VOICE_TEMPLATES, "pt-pt": "Código {code}", nl: "Uw {app} code: {code} ({minutes} min)" };
    expect(composeVoice(policy({ templates }), india, ["pt-PT"], "1", 60)).toMatchObject({ language: "pt-PT", lines: ["Código 1", "Código 1"] });
    expect(composeVoice(policy({ templates }), india, ["pt-BR"], "1", 60)).toMatchObject({ language: "pt-BR", lines: ["O seu código Acme é: 1.", "O seu código Acme é: 1."] });
    expect(composeVoice(policy({ templates }), india, ["nl"], "12", 61)).toMatchObject({ language: "nl-NL", lines: ["Uw Acme code: 1, 2 (2 min)", "Uw Acme code: 1, 2 (2 min)"] });
    expect(composeVoice(policy(), india, ["sw", "constructor"], "1", 60)).toMatchObject({ language: "en-US", lines: ["Your Acme code is: 1.", "Your Acme code is: 1."] });
    expect(speechLanguage("hi")).toBe("hi-IN");
    expect(speechLanguage("zh-hant-tw")).toBe("zh-TW");
    expect(speechLanguage("sw")).toBe("sw");
    // Only voices Twilio has: an unknown region of a known language takes the usual one; an operator's own language stays.
    expect(["pt-ao", "en-ng", "fr-be", "nl-be", "es-us", "sw-ke"].map(speechLanguage)).toEqual(["pt-BR", "en-US", "fr-FR", "nl-NL", "es-US", "sw-KE"]);
  });

  it("go only to listed countries; null lists every country", () => {
    expect(voiceAllowed(policy(), india)).toBe(true);
    expect(voiceAllowed(policy(), parseE164("+447912345678")!)).toBe(false);
    expect(voiceAllowed(policy({ allowCountries: [] }), india)).toBe(false);
    expect(voiceAllowed(policy({ allowCountries: null }), parseE164("+447912345678")!)).toBe(true);
    // A number of no country (+881 satellite) is never on a list.
    expect(voiceAllowed(policy(), { ...india, country: null })).toBe(false);
  });

  it("TwiML: each line a <Say> in the language, a pause between, text and attribute escaped", () => {
    expect(voiceTwiml({ language: "en-US", lines: ['A & B <x> "q"', "2"] })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">A &amp; B &lt;x&gt; &quot;q&quot;</Say><Pause length="1"/><Say language="en-US">2</Say></Response>',
    );
    expect(voiceTwiml({ language: 'en"><Play>', lines: ["x"] })).toContain('language="en&quot;&gt;&lt;Play&gt;"');
  });
});

describe("delivery receipts (pure)", () => {
  it("Twilio's message and call statuses map to pending, delivered or failed; only ids, status words and numeric codes are read", () => {
    const form = (o: Record<string, string>) => new URLSearchParams(o);
    const sid = `SM${"a".repeat(32)}`;
    expect(twilioDeliveryStatus(form({ MessageSid: sid, MessageStatus: "delivered", To: "+919876543210" }))).toEqual({ messageId: sid, status: "delivered", state: "delivered", errorCode: null });
    expect(twilioDeliveryStatus(form({ MessageSid: sid, MessageStatus: "undelivered", ErrorCode: "30003" }))).toMatchObject({ state: "failed", errorCode: 30003 });
    expect(twilioDeliveryStatus(form({ SmsSid: sid, SmsStatus: "sent" }))).toMatchObject({ state: "pending" });
    expect(twilioDeliveryStatus(form({ MessageSid: sid, MessageStatus: "read" }))).toMatchObject({ state: "delivered" });
    expect(twilioDeliveryStatus(form({ MessageSid: sid, MessageStatus: "partially_delivered" }))).toMatchObject({ state: "failed" });
    expect(twilioDeliveryStatus(form({ MessageSid: `${sid}0`, MessageStatus: "delivered" }))).toBeNull();
    for (const [status, state] of [["completed", "delivered"], ["busy", "failed"], ["no-answer", "failed"], ["failed", "failed"], ["canceled", "failed"], ["ringing", "pending"], ["in-progress", "pending"]]) {
      expect(twilioDeliveryStatus(form({ CallSid: `CA${"0".repeat(32)}`, CallStatus: status! }))?.state, status).toBe(state);
    }
    expect(twilioDeliveryStatus(form({ MessageSid: sid, MessageStatus: "constructor" }))?.state).toBe("pending");
    expect(twilioDeliveryStatus(form({ MessageSid: "SM1", MessageStatus: "delivered" }))).toBeNull();
    expect(twilioDeliveryStatus(form({ MessageSid: sid, MessageStatus: "<script>" }))).toBeNull();
    expect(twilioDeliveryStatus(form({ MessageSid: sid, MessageStatus: "failed", ErrorCode: "abc" }))?.errorCode).toBeNull();
    expect(twilioDeliveryStatus(form({ Foo: "bar" }))).toBeNull();
  });

  it("the receipt tag round-trips and refuses anything malformed", () => {
    const tag = { country: "IN", prefix: "0123456789abcdef0123456789abcdef", purpose: "step_up" as const, channel: "voice" as const, sentAt: 1_764_000_000_000 };
    expect(parseReceiptTag(new URLSearchParams(receiptTag(tag)))).toEqual(tag);
    expect(parseReceiptTag(new URLSearchParams(receiptTag({ ...tag, country: null })))).toEqual({ ...tag, country: null });
    for (const [key, value] of [["c", "in"], ["p", "xyz"], ["u", "admin"], ["ch", "fax"], ["t", "-1"], ["t", "1e400"]]) {
      const query = new URLSearchParams(receiptTag(tag));
      query.set(key!, value!);
      expect(parseReceiptTag(query), `${key}=${value}`).toBeNull();
    }
    expect(parseReceiptTag(new URLSearchParams())).toBeNull();
  });
});

describe("the voice keypress gate (pure)", () => {
  const secret = (): string => toBase64url(crypto.getRandomValues(new Uint8Array(32)));
  const freshKeys = () => secretKeys({ otpPepper: secret(), phoneDataKey: secret(), pinPepper: secret(), phoneDataKeys: [], phoneIndexKey: null });

  it("seals the code for one number until the code expires; anything else does not open, and says why", async () => {
    const keys = await freshKeys();
    const now = Date.now();
    const token = await sealCode(keys, "+919876543210", { code: "048213", language: "hi-IN" }, now + 300_000);
    expect(token).not.toContain("048213");
    expect(token.length).toBeLessThan(200);
    expect(await openCode(keys, "+919876543210", token, now + 299_999)).toEqual({ code: "048213", language: "hi-IN" });
    expect(await openCode(keys, "+919876543210", token, now + 300_000)).toBe("expired");
    expect(await openCode(keys, "+919876543211", token, now)).toBe("not_ours");
    expect(await openCode(keys, "+919876543210", "x".repeat(60), now)).toBe("not_ours");
    expect(await openCode(keys, "+919876543210", "short", now)).toBe("malformed");
    // Keyed by OTP_PEPPER: another deployment's seal does not open.
    expect(await openCode(await freshKeys(), "+919876543210", token, now)).toBe("not_ours");
  });

  it("the seal key is its own: not the code digest key derived from the same pepper", async () => {
    const pepper = secret();
    const keys = await secretKeys({ otpPepper: pepper, phoneDataKey: secret(), pinPepper: secret(), phoneDataKeys: [], phoneIndexKey: null });
    const token = await sealCode(keys, "+919876543210", { code: "123456", language: "en-US" }, Date.now() + 60_000);
    const digestKeyAsAes = await importAesKey(await hkdf(fromBase64url(pepper), "edge-phone-auth otp digest v1"));
    await expect(aesGcmDecrypt(digestKeyAsAes, fromBase64url(token), new TextEncoder().encode("voice-gate.v1|+919876543210"))).rejects.toThrow();
  });

  it("a key press gets the words composed again in the sealed language (a long non-Latin template included); no key or no number hangs up", async () => {
    const keys = await freshKeys();
    const long = `${"आ".repeat(290)} {code}`;
    const deps = { keys, voicePolicy: policy({ templates: { ...BUILT_IN_VOICE_TEMPLATES, hi: long } }), policy: { ttlSeconds: 300 } };
    const now = Date.now();
    const token = await sealCode(keys, "+919876543210", { code: "1290", language: "hi-IN" }, now + 300_000);
    expect(await answerKeypress(deps, "+919876543210", "5", token, now)).toEqual({ say: { language: "hi-IN", lines: [`${"आ".repeat(290)} 1, 2, 9, 0`, `${"आ".repeat(290)} 1, 2, 9, 0`] } });
    expect(await answerKeypress(deps, "+919876543210", "", token, now)).toEqual({ hangUp: "no_key" });
    expect(await answerKeypress(deps, "client:alice", "5", token, now)).toEqual({ hangUp: "no_number" });
    expect(await answerKeypress(deps, "+919876543210", "5", token, now + 300_000)).toEqual({ hangUp: "expired" });
  });

  it("the gated TwiML says the prompt twice in one-key Gather whose action is escaped", () => {
    expect(keypressTwiml({ prompt: { language: "en-US", text: "Press a key" } }, "https://a.example/webhooks/twilio/voice?v=abc&x=1")).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" finishOnKey="" timeout="8" method="POST" action="https://a.example/webhooks/twilio/voice?v=abc&amp;x=1"><Say language="en-US">Press a key</Say><Pause length="1"/><Say language="en-US">Press a key</Say></Gather></Response>',
    );
  });
});
