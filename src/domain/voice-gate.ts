import { aesGcmDecrypt, aesGcmEncrypt, fromBase64url, toBase64url, utf8 } from "../lib/crypto";
import type { SecretKeys } from "../lib/keys";

/**
 * The keypress gate of voice codes (VOICE_KEYPRESS). A voicemail box that
 * answers the call must not record the code: the call first asks for a key
 * press, and only a key pressed by a person (Twilio's `<Gather>`) fetches
 * the words from POST /webhooks/twilio/voice. The server keeps no code in
 * clear text to serve, so the words travel sealed in that URL: AES-GCM under
 * a key derived from OTP_PEPPER, bound to the called number (additional
 * data) and valid for GATE_TTL_MS. Twilio signs the request that brings it
 * back, and only Twilio can.
 */

export const GATE_TTL_MS = 5 * 60_000;

export interface SpokenCode {
  language: string;
  lines: readonly string[];
}

const additionalData = (e164: string): Uint8Array<ArrayBuffer> => utf8(`voice-gate.v1|${e164}`);

/** The sealed words for the call to `e164`, as a base64url token. */
export async function sealSpokenCode(keys: SecretKeys, e164: string, spoken: SpokenCode, now: number): Promise<string> {
  const plain = JSON.stringify({ l: spoken.language, s: spoken.lines, e: now + GATE_TTL_MS });
  return toBase64url(await aesGcmEncrypt(keys.voiceGate, plain, additionalData(e164)));
}

/** The words back, or null: tampered, for another number, expired, or not ours. */
export async function openSpokenCode(keys: SecretKeys, e164: string, token: string, now: number): Promise<SpokenCode | null> {
  if (!/^[A-Za-z0-9_-]{40,2000}$/.test(token)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await aesGcmDecrypt(keys.voiceGate, fromBase64url(token), additionalData(e164)));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { l, s, e } = parsed as { l?: unknown; s?: unknown; e?: unknown };
  if (typeof l !== "string" || !Array.isArray(s) || !s.every((x) => typeof x === "string") || typeof e !== "number" || e <= now) return null;
  return { language: l, lines: s as string[] };
}
