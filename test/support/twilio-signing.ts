import { TWILIO_TEST_AUTH_TOKEN } from "./constants";

/**
 * Twilio's request signature, written here apart from the server's code
 * (src/adapters/twilio/request-signature.ts) so the webhook tests check it
 * independently: HMAC-SHA1 keyed by the Auth Token over the URL and every
 * parameter as name + value sorted by name, base64.
 */
export async function twilioSign(url: string, form: Record<string, string>, token = TWILIO_TEST_AUTH_TOKEN): Promise<string> {
  const data = url + Object.keys(form).sort().map((k) => k + form[k]).join("");
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(token), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data)))));
}
