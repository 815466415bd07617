import { describe, expect, it } from "vitest";
import { json, newAuthenticator, registrationOptions, call } from "./biometric-helpers";
import { expectError, signIn } from "./helpers";

const FP = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";
const FP2 = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";

describe("association files and relying-party settings", () => {
  it("assetlinks.json lists each package once with all its fingerprints and both relations; 404 when ANDROID_APPS is unset", async () => {
    await expectError(await call("/.well-known/assetlinks.json"), 404, "not_found");
    const settings = { ANDROID_APPS: `com.example.app:${FP.toLowerCase()}, com.example.app:${FP2},org.other.app:${FP}` };
    const res = await call("/.well-known/assetlinks.json", { settings });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await json(res)).toEqual([
      {
        relation: ["delegate_permission/common.handle_all_urls", "delegate_permission/common.get_login_creds"],
        target: { namespace: "android_app", package_name: "com.example.app", sha256_cert_fingerprints: [FP, FP2] },
      },
      {
        relation: ["delegate_permission/common.handle_all_urls", "delegate_permission/common.get_login_creds"],
        target: { namespace: "android_app", package_name: "org.other.app", sha256_cert_fingerprints: [FP] },
      },
    ]);
  });

  it("apple-app-site-association serves webcredentials as application/json without a redirect; 404 when unset", async () => {
    await expectError(await call("/.well-known/apple-app-site-association"), 404, "not_found");
    const res = await call("/.well-known/apple-app-site-association", { settings: { APPLE_APP_IDS: "ABCDE12345.com.example.app,ABCDE12345.com.example.beta" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ webcredentials: { apps: ["ABCDE12345.com.example.app", "ABCDE12345.com.example.beta"] } });
  });

  it("the Android origin accepted is android:apk-key-hash:<base64url of the fingerprint bytes> (known vector)", async () => {
    // base64url of the 32 bytes 14:6D:E9:...:E5, as Android reports it for this signing certificate.
    const origin = "android:apk-key-hash:FG3pg8VzBlDY7rmVLzT8ZBagg0LmHb6oigSWsj_PROU";
    const session = await signIn();
    const authenticator = await newAuthenticator("ES256", undefined, { origin });
    const options = await registrationOptions(session.token, { settings: { ANDROID_APPS: `com.example.app:${FP}` } });
    const biometricData = await authenticator.register(options);
    expect((await call("/auth/enable-biometric", { body: { biometricData }, token: session.token, settings: { ANDROID_APPS: `com.example.app:${FP}` } })).status).toBe(200);
  });

  it("PASSKEY_USER_NAME=full shows the whole number in international format; masked (default) keeps the last four digits", async () => {
    const session = await signIn();
    const masked = await registrationOptions(session.token);
    expect(masked.user.name).toBe(`+91 ••••• •${session.phone.slice(-4)}`);
    const full = await registrationOptions(session.token, { settings: { PASSKEY_USER_NAME: "full" } });
    expect(full.user.name).toBe(`+91 ${session.phone.slice(3, 8)} ${session.phone.slice(8)}`);
    expect(full.user.displayName).toBe(full.user.name);
    expect(full.user.id).toBe(masked.user.id);
  });

  it("settings are validated: a malformed fingerprint, app id or origin makes the service refuse to run (503)", async () => {
    for (const settings of [{ ANDROID_APPS: "com.example.app:AB:CD" }, { APPLE_APP_IDS: "com.example.app" }, { WEBAUTHN_ORIGINS: "https://app.example.com/path" }, { WEBAUTHN_RP_ID: "https://example.com" }]) {
      await expectError(await call("/readyz", { settings }), 503, "service_misconfigured");
    }
  });

  it("in production, passkey routes need WEBAUTHN_RP_ID and an origin (503 otherwise), and then use exactly them", async () => {
    const session = await signIn();
    const production = { ENVIRONMENT: "production", SMS_PROVIDER: "twilio", TWILIO_ACCOUNT_SID: "AC" + "0".repeat(32), TWILIO_AUTH_TOKEN: "t", TWILIO_FROM: "+15005550006" };
    await expectError(await call("/auth/webauthn/registration-options", { method: "POST", token: session.token, settings: production }), 503, "service_misconfigured");
    const configured = { ...production, WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://app.example.com" };
    const options = await registrationOptions(session.token, { settings: configured });
    expect(options.rp).toEqual({ id: "example.com", name: "edge-phone-auth" });
  });
});
