import { hmacSha256, toBase64url } from "../lib/crypto";
import type { OtpPurpose } from "./ports";

export const OTP_DIGITS = 6;
const RANGE = 10 ** OTP_DIGITS;
// The largest multiple of RANGE that fits in 32 bits. Values at or above it
// are drawn again, so every code is equally likely (no modulo bias, OTP-01).
const ACCEPT_BELOW = Math.floor(0x1_0000_0000 / RANGE) * RANGE;

/** A 6-digit code from crypto.getRandomValues with rejection sampling. */
export function generateOtp(random: (buf: Uint32Array<ArrayBuffer>) => void = (b) => crypto.getRandomValues(b)): string {
  const buf = new Uint32Array(1);
  for (;;) {
    random(buf);
    const v = buf[0]!;
    if (v < ACCEPT_BELOW) return (v % RANGE).toString().padStart(OTP_DIGITS, "0");
  }
}

/**
 * The only form in which a code is stored (OTP-02): HMAC-SHA-256 under a
 * server secret over purpose, phone and code. Binding purpose and phone means
 * a code is useless for another number or another flow (OTP-10); the secret
 * means a leaked store cannot be brute-forced offline (10^6 candidates).
 * Fields are digits or fixed words joined by a separator none can contain.
 */
export async function otpDigest(key: CryptoKey, purpose: OtpPurpose, phoneE164: string, code: string): Promise<string> {
  return toBase64url(await hmacSha256(key, `otp.v1|${purpose}|${phoneE164}|${code}`));
}
