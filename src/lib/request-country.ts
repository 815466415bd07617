/** `request.cf.country` (ISO 3166 alpha-2, or T1 for Tor); null when Cloudflare did not say or does not know (XX). */
export function requestCountry(request: Request): string | null {
  const country: unknown = (request as Request<unknown, IncomingRequestCfProperties>).cf?.country;
  return typeof country === "string" && /^[A-Z][A-Z0-9]$/.test(country) && country !== "XX" ? country : null;
}
