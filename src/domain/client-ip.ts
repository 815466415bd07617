import ipaddr from "ipaddr.js";

/**
 * Where the client address for per-IP limits comes from, and what a limit
 * keys on. Only the configured source is read: a client can put anything in
 * `X-Forwarded-For`, so that header is used only when the deployment says a
 * proxy it trusts appends to it (and then only the entry that proxy wrote).
 */

export type ClientIpSource = "cf-connecting-ip" | "x-forwarded-for";

/** The shared bucket of every request whose address cannot be parsed. */
export const INVALID_IP_SUBJECT = "invalid";
/** The shared bucket of every request that carries no address at all. */
export const MISSING_IP_SUBJECT = "unknown";

// Longer than any address with a zone id; longer values are not parsed.
const MAX_ADDRESS_LENGTH = 64;

/**
 * The raw client address from the configured source, or null when the
 * request has none. With x-forwarded-for, the address `trustedHops` entries
 * from the right is taken: the nearest proxy appended the rightmost entry,
 * and everything left of what the trusted proxies wrote is the client's to
 * forge.
 */
export function clientAddress(
  header: (name: string) => string | undefined,
  source: ClientIpSource,
  trustedHops: number,
): string | null {
  if (source === "cf-connecting-ip") {
    const value = header("cf-connecting-ip")?.trim();
    return value ? value : null;
  }
  const entries = (header("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  // Fewer entries than trusted hops: the chain is not the one configured, so
  // no entry can be trusted as the client.
  if (entries.length < trustedHops) return null;
  return entries[entries.length - trustedHops]!;
}

/**
 * The subject of per-IP limits. IPv4 addresses are limited one by one; an
 * IPv6 client usually holds a whole /64 (often more), so limiting single
 * addresses would let one client rotate through 2^64 of them: IPv6 is keyed
 * by its /64. Unparseable values never become bucket names as given (a
 * client could otherwise mint a fresh bucket per request): they all share
 * the `invalid` bucket; a missing address shares the `unknown` bucket.
 */
export function ipLimitSubject(raw: string | null): string {
  if (raw === null || raw === "") return MISSING_IP_SUBJECT;
  if (raw.length > MAX_ADDRESS_LENGTH) return INVALID_IP_SUBJECT;
  const address = stripPort(raw);
  // Strict dotted-quad only: ipaddr.js (like inet_aton) also reads "127.1"
  // or "0x7f.0.0.1", which would give one host many spellings.
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return ipaddr.IPv4.parse(address).toString();
  if (!ipaddr.IPv6.isValid(address)) return INVALID_IP_SUBJECT;
  const v6 = ipaddr.IPv6.parse(address);
  // IPv4-mapped IPv6 (::ffff:192.0.2.1) is one IPv4 client.
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  const prefix = v6.parts.slice(0, 4).map((p) => p.toString(16));
  return `${prefix.join(":")}::/64`;
}

/**
 * The network a limit subject belongs to, for logs and the audit trail:
 * IPv4 to its /24, IPv6 to its /48. Why: enough to tell a home network or a
 * provider from another, not enough to name a household (LOG-01, GDPR data
 * minimisation). null for the shared `unknown`/`invalid` buckets.
 */
export function anonymisedNetwork(subject: string): string | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(subject)) return `${subject.split(".").slice(0, 3).join(".")}.0/24`;
  const v6 = /^([0-9a-f]{1,4}):([0-9a-f]{1,4}):([0-9a-f]{1,4}):[0-9a-f]{1,4}::\/64$/.exec(subject);
  return v6 ? `${v6[1]}:${v6[2]}:${v6[3]}::/48` : null;
}

/** "192.0.2.1:443" → "192.0.2.1"; "[2001:db8::1]:443" → "2001:db8::1" (some proxies add ports). */
function stripPort(value: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed) return bracketed[1]!;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(value);
  return v4WithPort ? v4WithPort[1]! : value;
}
