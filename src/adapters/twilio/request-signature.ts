import { constantTimeEqual, utf8 } from "../../lib/crypto";

/**
 * Twilio's request signature (`X-Twilio-Signature`, HOOK-01): base64 of
 * HMAC-SHA1, keyed by the account's Auth Token, over the URL Twilio called
 * followed by every POST parameter as name + value, sorted by name, with no
 * separators. Building block of the status-callback route (issue 13).
 */
export async function twilioSignature(authToken: string, url: string, params: Readonly<Record<string, string>>): Promise<string> {
  const signed = url + Object.keys(params).sort().map((name) => name + params[name]).join("");
  const key = await crypto.subtle.importKey("raw", utf8(authToken), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(signed)));
  let binary = "";
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The URL as Twilio may have signed it: as configured, and with the scheme's
 * default port added or removed (Twilio's own validators accept both, since
 * the port it signs with depends on how the URL was entered).
 */
export function signedUrlVariants(url: string): string[] {
  const u = new URL(url);
  const defaultPort = u.protocol === "https:" ? "443" : u.protocol === "http:" ? "80" : null;
  if (defaultPort === null) return [url];
  const withPort = `${u.protocol}//${u.username ? `${u.username}${u.password ? `:${u.password}` : ""}@` : ""}${u.hostname}:${u.port || defaultPort}${u.pathname}${u.search}`;
  const withoutPort = u.port && u.port !== defaultPort ? withPort : `${u.protocol}//${u.username ? `${u.username}${u.password ? `:${u.password}` : ""}@` : ""}${u.hostname}${u.pathname}${u.search}`;
  return [...new Set([url, withoutPort, withPort])];
}

/**
 * Whether `signature` is Twilio's for this request, compared in constant
 * time. `publicUrl` is the configured public URL of the callback (never the
 * Host header a caller sends: it is the caller's to choose). A missing or
 * empty signature never matches.
 */
export async function isTwilioSignatureValid(authToken: string, publicUrl: string, params: Readonly<Record<string, string>>, signature: string | null | undefined): Promise<boolean> {
  if (!signature || !authToken) return false;
  let valid = false;
  // Every variant is computed and compared, so the time does not say which one matched.
  for (const url of signedUrlVariants(publicUrl)) valid = constantTimeEqual(await twilioSignature(authToken, url, params), signature) || valid;
  return valid;
}
