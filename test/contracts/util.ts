/** A random identifier for one test's keys, so tests never share state. */
export function rid(byteLength = 12): string {
  const bytes = crypto.getRandomValues(new Uint8Array(byteLength));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A value shaped like a real keyed phone hash (64 hex digits), as store validators expect. */
export function phoneHashLike(): string {
  return rid(32);
}

/** A value shaped like a real phone ciphertext (nonce + AES-GCM output, base64url). */
export const CIPHERTEXT_LIKE = "bm9uY2Utbm9uY2UtY2lwaGVydGV4dC1vZi1hLXBob25l";
