import { AuthError } from "../errors";
import type { AuthEventSink, UserStore } from "./ports";

/**
 * A user's preferences (issue 11, `PATCH /user`): a small validated object,
 * nothing free-form. `marketingConsentChangedAt` is set by the server only,
 * when the consent actually changes: the record a consent audit asks for.
 */
export interface Preferences {
  /** BCP 47, canonicalised (`en-GB`); null: none chosen. */
  locale: string | null;
  marketingConsent: boolean;
  /** When `marketingConsent` last changed (ms); null: never given or withdrawn. */
  marketingConsentChangedAt: number | null;
  /** Shown as the passkey's display name; null: the masked phone number. */
  displayName: string | null;
  /** Bumped by every change: writes are compare-and-set on it. */
  version: number;
}

export interface PreferencesPatch {
  locale?: string | null | undefined;
  marketingConsent?: boolean | undefined;
  displayName?: string | null | undefined;
}

export const DEFAULT_PREFERENCES: Preferences = { locale: null, marketingConsent: false, marketingConsentChangedAt: null, displayName: null, version: 0 };

/** The preferences after a patch at `now` (pure). */
export function applyPatch(current: Preferences, patch: PreferencesPatch, now: number): Preferences {
  const consent = patch.marketingConsent ?? current.marketingConsent;
  return {
    locale: patch.locale === undefined ? current.locale : patch.locale,
    displayName: patch.displayName === undefined ? current.displayName : patch.displayName,
    marketingConsent: consent,
    marketingConsentChangedAt: consent !== current.marketingConsent ? now : current.marketingConsentChangedAt,
    version: current.version + 1,
  };
}

/**
 * Applies a patch with compare-and-set, retried a few times: two concurrent
 * patches both land (each on the other's result), and a consent change is
 * time-stamped exactly once.
 */
export async function updatePreferences(
  deps: { users: UserStore; events: AuthEventSink; now: () => number },
  userId: string,
  patch: PreferencesPatch,
): Promise<Preferences> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.users.preferences(userId);
    if (!current) throw new AuthError("unauthorized");
    const next = applyPatch(current, patch, deps.now());
    // A race: another patch landed since the read; read again and re-apply.
    if (await deps.users.putPreferences(userId, next, current.version)) {
      if (next.marketingConsent !== current.marketingConsent) {
        deps.events.emit({ event: "account.consent_changed", outcome: "success", userId, reason: next.marketingConsent ? "marketing_given" : "marketing_withdrawn" });
      }
      return next;
    }
  }
  throw new AuthError("service_unavailable", { retryAfterSeconds: 1, cause: new Error("preferences kept changing") });
}
