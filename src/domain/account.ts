import { decryptPhone } from "../lib/keys";
import { credentialView, type CredentialView } from "./credentials";
import type { CredentialStore } from "./biometric-ports";
import type { DeviceRecord, DeviceStore } from "./devices";
import { AUDIT_MAX_ENTRIES, listActivity, type AuditEntry } from "./audit";
import { eraseAccount, type ErasureDeps } from "./erasure";
import { maskPhone } from "./phone";
import { DEFAULT_PREFERENCES, type Preferences } from "./preferences";
import { listSessions, type SessionView } from "./session-management";
import type { Authenticated, SessionDeps } from "./sessions";

/**
 * The account endpoints (issue 11): what a user sees of their account, the
 * export of everything held about them (DATA-03, GDPR art. 15 and 20, CCPA
 * right to know) and erasure (DATA-02, GDPR art. 17, CCPA right to delete).
 */

export interface AccountDeps extends SessionDeps, ErasureDeps {
  credentials: CredentialStore;
  devices: DeviceStore;
}

/** A recognised device as its owner sees it: never its token or the token's hash. */
export interface DeviceView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
}

export interface AccountView {
  id: string;
  /** Masked: the country code and the last digits only. */
  phone: string;
  createdAt: string;
  lastLoginAt: string | null;
  methods: { sms: true; biometric: boolean; pin: boolean };
  credentials: CredentialView[];
  devices: DeviceView[];
  preferences: PreferencesView;
}

/** Preferences as the user sees them: times as ISO strings, no version. */
export interface PreferencesView {
  locale: string | null;
  marketingConsent: boolean;
  marketingConsentChangedAt: string | null;
  displayName: string | null;
}

export function preferencesView(p: Preferences): PreferencesView {
  return { locale: p.locale, marketingConsent: p.marketingConsent, marketingConsentChangedAt: p.marketingConsentChangedAt === null ? null : iso(p.marketingConsentChangedAt), displayName: p.displayName };
}

const iso = (ms: number): string => new Date(ms).toISOString();

function deviceView(d: DeviceRecord): DeviceView {
  return { id: d.id, createdAt: iso(d.createdAt), lastUsedAt: iso(d.lastUsedAt), expiresAt: iso(d.expiresAt) };
}

async function phoneOf(deps: AccountDeps, userId: string): Promise<string> {
  const ciphertext = await deps.users.phoneCiphertext(userId);
  if (!ciphertext) throw new Error("user has no stored phone");
  return decryptPhone(deps.keys, ciphertext);
}

export async function viewAccount(deps: AccountDeps, auth: Authenticated): Promise<AccountView> {
  const { user } = auth;
  const [phone, credentials, devices, preferences] = await Promise.all([
    phoneOf(deps, user.id),
    deps.credentials.list(user.id),
    deps.devices.listForUser(user.id, deps.now()),
    deps.users.preferences(user.id),
  ]);
  return {
    id: user.id,
    phone: maskPhone(phone),
    createdAt: iso(user.createdAt),
    lastLoginAt: user.lastLoginAt === null ? null : iso(user.lastLoginAt),
    methods: { sms: true, biometric: user.biometricEnabled, pin: user.pinEnabled },
    credentials: credentials.map(credentialView),
    devices: devices.map(deviceView),
    preferences: preferencesView(preferences ?? DEFAULT_PREFERENCES),
  };
}

export interface AccountExport {
  format: "edge-phone-auth.export.v1";
  exportedAt: string;
  user: { id: string; phone: string; createdAt: string; lastLoginAt: string | null; lastSignInCountry: string | null };
  methods: { sms: true; biometric: boolean; pin: { enabled: boolean; wrongAttempts: number } };
  sessions: SessionView[];
  credentials: CredentialView[];
  devices: DeviceView[];
  preferences: PreferencesView;
  /** The user's audit trail (their own and their number's), newest first. */
  activity: ActivityView[];
}

export interface ActivityView extends Omit<AuditEntry, "seq" | "at"> {
  id: string;
  at: string;
}

/** An audit entry as the user sees it: `id` is also the cursor it starts after. */
export function activityView({ seq, at, ...rest }: AuditEntry): ActivityView {
  return { id: seq.toString(36), at: iso(at), ...rest };
}

/** Everything held about the user, in one JSON document: the full phone number, no secret, no key material, no token. */
export async function exportAccount(deps: AccountDeps, auth: Authenticated): Promise<AccountExport> {
  const { user } = auth;
  const [phone, sessions, credentials, devices, activity, preferences] = await Promise.all([
    phoneOf(deps, user.id),
    listSessions(deps, auth),
    deps.credentials.list(user.id),
    deps.devices.listForUser(user.id, deps.now()),
    // Both lists whole: each holds at most AUDIT_MAX_ENTRIES.
    listActivity(deps, user, null, 2 * AUDIT_MAX_ENTRIES),
    deps.users.preferences(user.id),
  ]);
  deps.events.emit({ event: "account.exported", outcome: "success", userId: user.id, sessionId: auth.session.id });
  return {
    format: "edge-phone-auth.export.v1",
    exportedAt: iso(deps.now()),
    user: { id: user.id, phone, createdAt: iso(user.createdAt), lastLoginAt: user.lastLoginAt === null ? null : iso(user.lastLoginAt), lastSignInCountry: user.lastCountry },
    methods: { sms: true, biometric: user.biometricEnabled, pin: { enabled: user.pinEnabled, wrongAttempts: user.pinFailures } },
    sessions,
    credentials: credentials.map(credentialView),
    devices: devices.map(deviceView),
    preferences: preferencesView(preferences ?? DEFAULT_PREFERENCES),
    activity: activity.entries.map(activityView),
  };
}

/** Erases the signed-in user (DATA-02); see src/domain/erasure.ts. */
export function deleteAccount(deps: AccountDeps, auth: Authenticated): Promise<"erased" | "pending"> {
  return eraseAccount(deps, auth.user.id, auth.user.phoneHash);
}
