import { aesGcmDecrypt, aesGcmEncrypt, fromBase64url, toBase64url, utf8 } from "../lib/crypto";
import type { SecretKeys } from "../lib/keys";
import { parseE164 } from "./phone";
import { composeVoice, type VoicePolicy } from "./voice-message";

/**
 * The keypress gate of voice codes (VOICE_KEYPRESS). A voicemail box that
 * answers the call must not record the code: the call first asks for a key
 * press, and only a key pressed by a person (Twilio's `<Gather>`) fetches
 * the words from POST /webhooks/twilio/voice. The server keeps no code in
 * clear text to serve, so the code travels sealed in that URL with the
 * language to say it in (the words are composed again from VOICE_TEMPLATES):
 * AES-GCM under a key derived from OTP_PEPPER, bound to the called number
 * (additional data), valid as long as the code. Twilio signs the request that
 * brings it back, and only Twilio can.
 */

export interface SealedCode {
  code: string;
  /** The tag the words are spoken in (chosen at the send), e.g. "hi-IN". */
  language: string;
}

const additionalData = (e164: string): Uint8Array<ArrayBuffer> => utf8(`voice-gate.v1|${e164}`);

/** The sealed code for the call to `e164`, valid until `expiresAt`, as a base64url token (about 100 characters). */
export async function sealCode(keys: SecretKeys, e164: string, sealed: SealedCode, expiresAt: number): Promise<string> {
  const plain = JSON.stringify({ c: sealed.code, l: sealed.language, e: expiresAt });
  return toBase64url(await aesGcmEncrypt(keys.voiceGate, plain, additionalData(e164)));
}

/** Why a seal did not open (logged, never answered). */
export type SealProblem = "malformed" | "not_ours" | "expired";

/** The code back, or why not: tampered, for another number or another deployment, expired. */
export async function openCode(keys: SecretKeys, e164: string, token: string, now: number): Promise<SealedCode | SealProblem> {
  if (!/^[A-Za-z0-9_-]{40,400}$/.test(token)) return "malformed";
  let parsed: unknown;
  try {
    parsed = JSON.parse(await aesGcmDecrypt(keys.voiceGate, fromBase64url(token), additionalData(e164)));
  } catch {
    return "not_ours";
  }
  if (typeof parsed !== "object" || parsed === null) return "malformed";
  const { c, l, e } = parsed as { c?: unknown; l?: unknown; e?: unknown };
  if (typeof c !== "string" || !/^\d{4,10}$/.test(c) || typeof l !== "string" || typeof e !== "number") return "malformed";
  if (e <= now) return "expired";
  return { code: c, language: l };
}

/** What a key press gets: the words to say, or why the call hangs up. */
export type KeypressAnswer = { say: { language: string; lines: readonly string[] } } | { hangUp: SealProblem | "no_key" | "no_number" };

/** The answer to a key press on the call to `to` (as Twilio reports it) with seal `token`. */
export async function answerKeypress(
  deps: { keys: SecretKeys; voicePolicy: VoicePolicy; policy: { ttlSeconds: number } },
  to: string,
  digits: string,
  token: string,
  now: number,
): Promise<KeypressAnswer> {
  // Gather calls its action only after a key; an empty one ("#" ends input) is no key.
  if (digits === "") return { hangUp: "no_key" };
  const phone = parseE164(to);
  if (!phone) return { hangUp: "no_number" };
  const opened = await openCode(deps.keys, phone.e164, token, now);
  if (typeof opened === "string") return { hangUp: opened };
  const { language, lines } = composeVoice(deps.voicePolicy, phone, [opened.language], opened.code, deps.policy.ttlSeconds);
  return { say: { language, lines } };
}
