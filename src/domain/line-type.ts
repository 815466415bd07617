import { AuthError } from "../errors";
import type { AuthEvent, AuthEventSink } from "./ports";

/**
 * The carrier line-type check (FRAUD-02, SEND-07: the design's "block VoIP
 * numbers via Twilio carrier lookup"): a paid lookup, so it runs only after
 * every free check and limit has passed, and its answer is cached per phone
 * so a number is looked up once per cache period.
 */

/** Twilio Lookup v2's `line_type_intelligence.type` values. */
export const LINE_TYPES = [
  "landline",
  "mobile",
  "fixedVoip",
  "nonFixedVoip",
  "personal",
  "tollFree",
  "premium",
  "sharedCost",
  "uan",
  "voicemail",
  "pager",
  "unknown",
] as const;

export type LineType = (typeof LINE_TYPES)[number];

export const DEFAULT_BLOCKED_LINE_TYPES: readonly LineType[] = ["nonFixedVoip", "premium", "sharedCost", "tollFree", "uan", "voicemail", "pager"];

/** The provider could not answer (an error status, a timeout, a lost connection). */
export class LookupFailed extends Error {
  constructor(
    readonly reason: string,
    readonly providerStatus?: number,
    readonly providerCode?: number,
  ) {
    super(`line-type lookup failed: ${reason}`);
    this.name = "LookupFailed";
  }
}

export interface LineTypeLookup {
  /** The number's line type; `unknown` when the provider does not say. Throws LookupFailed. */
  lookup(e164: string): Promise<LineType>;
}

/** Line types already looked up, per phone hash (contract: test/contracts/line-type-cache.contract.ts). */
export interface LineTypeCache {
  get(phoneHash: string, now: number): Promise<LineType | null>;
  put(phoneHash: string, lineType: LineType, expiresAt: number, now: number): Promise<void>;
}

export interface LineTypePolicy {
  /** null: no lookup configured (LOOKUP_PROVIDER=none). */
  lookup: LineTypeLookup | null;
  cache: LineTypeCache;
  blocked: ReadonlySet<LineType>;
  /** What a failed lookup means: `allow` sends anyway (logged), `deny` refuses with 503. */
  onFailure: "allow" | "deny";
  cacheMs: number;
}

export interface LineTypeDeps {
  lineTypes: LineTypePolicy;
  events: AuthEventSink;
  now: () => number;
  background: (task: string, work: () => Promise<unknown>) => void;
}

/** The number's cached line type, for the sign-in risk score; null when no lookup is configured or none is cached. */
export async function cachedLineType(deps: LineTypeDeps, phoneHash: string, now: number): Promise<LineType | null> {
  return deps.lineTypes.lookup ? deps.lineTypes.cache.get(phoneHash, now) : null;
}

/**
 * Screens the number's line type before the SMS is paid for. On a refusal
 * (a blocked type, or a failed lookup under `deny`) it calls `withdraw`
 * first, so the phone gets back the send slot of a message that never left,
 * then throws the public error. `base` is the OTP event's fields.
 */
export async function screenLineType(
  deps: LineTypeDeps,
  e164: string,
  phoneHash: string,
  base: Pick<AuthEvent, "phoneHash" | "country" | "purpose">,
  withdraw: () => Promise<void>,
): Promise<string | null> {
  const { lookup, cache, blocked, onFailure, cacheMs } = deps.lineTypes;
  if (!lookup) return null;
  const now = deps.now();
  let lineType = await cache.get(phoneHash, now);
  if (lineType === null) {
    try {
      lineType = await lookup.lookup(e164);
    } catch (err) {
      const failure = err instanceof LookupFailed ? err : new LookupFailed("unexpected");
      deps.events.emit({
        event: "lookup.failed",
        outcome: "failure",
        reason: failure.reason,
        ...base,
        ...(failure.providerStatus !== undefined ? { providerStatus: failure.providerStatus } : {}),
        ...(failure.providerCode !== undefined ? { providerCode: failure.providerCode } : {}),
      });
      if (onFailure === "allow") return null;
      await withdraw().catch(() => undefined);
      throw new AuthError("service_unavailable", { retryAfterSeconds: 30, cause: err });
    }
    const found = lineType;
    // Cached whatever it is (a refused type is as worth remembering); failures never are.
    deps.background("line-type.cache", () => cache.put(phoneHash, found, now + cacheMs, now));
  }
  if (blocked.has(lineType)) {
    await withdraw().catch(() => undefined);
    deps.events.emit({ event: "otp.requested", outcome: "denied", reason: `line_type:${lineType}`, ...base });
    throw new AuthError("phone_not_supported");
  }
  return lineType;
}
