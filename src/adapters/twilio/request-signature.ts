import { constantTimeEqual, utf8 } from "../../lib/crypto";

/**
 * Twilio's request signature (`X-Twilio-Signature`, HOOK-01): base64 of
 * HMAC-SHA1, keyed by the account's Auth Token, over the URL Twilio called
 * followed by every POST parameter as name + value, sorted by name, with no
 * separators. Building block of the status-callback route (issue 13).
 */
export async function twilioSignature(authToken: string, url: string, params: Readonly<Record<string, string>>): Promise<string> {
  return sign(await importKey(authToken), url, params);
}

function importKey(authToken: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", utf8(authToken), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
}

async function sign(key: CryptoKey, url: string, params: Readonly<Record<string, string>>): Promise<string> {
  const signed = url + Object.keys(params).sort().map((name) => name + params[name]).join("");
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(signed)));
  return btoa(String.fromCharCode(...mac));
}

const DEFAULT_PORT: Readonly<Record<string, string>> = { http: "80", https: "443" };

/**
 * The URL as Twilio may have signed it: as configured, and with the scheme's
 * default port added or removed (Twilio's own validators accept both, since
 * the port it signs with depends on how the URL was entered). Edited as text:
 * `URL` would also normalise the path and query Twilio signed verbatim.
 */
export function signedUrlVariants(url: string): string[] {
  const m = /^(https?):\/\/([^/?#@:]+)(?::(\d+))?(.*)$/i.exec(url);
  const defaultPort = m ? DEFAULT_PORT[m[1]!.toLowerCase()] : undefined;
  // Another port, or user info in the authority: only the URL as given.
  if (!m || defaultPort === undefined || (m[3] !== undefined && m[3] !== defaultPort)) return [url];
  const [, scheme, host, , rest] = m;
  return [...new Set([url, `${scheme}://${host}${rest}`, `${scheme}://${host}:${defaultPort}${rest}`])];
}

/**
 * Whether `signature` is Twilio's for this request, compared in constant
 * time. `publicUrl` is the configured public URL of the callback (never the
 * Host header a caller sends: it is the caller's to choose). A missing or
 * empty signature never matches.
 */
export async function isTwilioSignatureValid(authToken: string, publicUrl: string, params: Readonly<Record<string, string>>, signature: string | null | undefined): Promise<boolean> {
  if (!signature || !authToken) return false;
  const key = await importKey(authToken);
  let valid = false;
  // Every variant is computed and compared, so the time does not say which one matched.
  for (const url of signedUrlVariants(publicUrl)) valid = constantTimeEqual(await sign(key, url, params), signature) || valid;
  return valid;
}
