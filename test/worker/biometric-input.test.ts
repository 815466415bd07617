import { beforeEach, describe, expect, it } from "vitest";
import { SoftAuthenticator } from "../support/soft-authenticator";
import { authenticationOptions, json, newAuthenticator, registrationOptions, call } from "./biometric-helpers";
import { PROFILES, signIn, uniqueIp, useProfile } from "./helpers";

const b64url = (text: string): string => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Fields a ceremony's outcome does not depend on (hints a client may send as it likes). */
const INFORMATIONAL = new Set(["authenticatorAttachment", "clientExtensionResults", "response.transports", "response.publicKey", "response.publicKeyAlgorithm", "response.authenticatorData@registration"]);

/** Paths of every field of a response that matters, top level and inside `response`. */
function fieldPaths(valid: Record<string, unknown>, ceremony: string): string[] {
  const paths: string[] = [];
  for (const [k, v] of Object.entries(valid)) {
    if (v && typeof v === "object" && !Array.isArray(v)) for (const inner of Object.keys(v)) paths.push(`${k}.${inner}`);
    else paths.push(k);
  }
  return paths.filter((p) => !INFORMATIONAL.has(p) && !INFORMATIONAL.has(`${p}@${ceremony}`));
}

/** `valid` with the field at `path` replaced by `value`. */
function corrupt(valid: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [k, inner] = path.split(".") as [string, string | undefined];
  return inner === undefined ? { ...valid, [k]: value } : { ...valid, [k]: { ...(valid[k] as Record<string, unknown>), [inner]: value } };
}

describe.each(PROFILES)("IN-01: malformed biometric bodies ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("IN-01: garbage inside well-formed WebAuthn and device-key bodies gives 4xx with a stable code, never 5xx", async () => {
    // One user runs hundreds of ceremonies here: lift the per-user ceremony budget for this test.
    const settings = { IP_VERIFY_LIMIT: "10000" };
    const opts = { settings };
    const session = await signIn();
    const authenticator: SoftAuthenticator = await newAuthenticator();
    const registration = (await authenticator.register(await registrationOptions(session.token, opts))) as unknown as Record<string, unknown>;
    await json(await call("/auth/enable-biometric", { body: { biometricData: registration }, token: session.token, settings }));
    const assertion = (await authenticator.assert(await authenticationOptions(undefined, opts))) as unknown as Record<string, unknown>;
    const garbage = ["", "!!!", b64url("not json"), b64url('{"challenge":42}'), b64url('{"type":"webauthn.get"}'), "A".repeat(3000), 7, null, [], {}];
    const bodies: { path: string; body: unknown; token?: string }[] = [];
    // Each corrupted ceremony gets its own fresh challenge, so the garbage reaches
    // verification (a spent challenge would be refused before it is looked at).
    for (const g of garbage) {
      for (const field of fieldPaths(registration, "registration")) {
        const fresh = (await (await newAuthenticator()).register(await registrationOptions(session.token, opts))) as unknown as Record<string, unknown>;
        bodies.push({ path: "/auth/enable-biometric", body: { biometricData: corrupt(fresh, field, g) }, token: session.token });
      }
      for (const field of fieldPaths(assertion, "authentication")) {
        const signIn = (await authenticator.assert(await authenticationOptions(undefined, opts))) as unknown as Record<string, unknown>;
        bodies.push({ path: "/auth/verify-biometric", body: { assertion: corrupt(signIn, field, g) } });
        const unlock = (await authenticator.assert(await authenticationOptions(session.token, opts))) as unknown as Record<string, unknown>;
        bodies.push({ path: "/auth/verify-biometric", body: { assertion: corrupt(unlock, field, g) }, token: session.token });
      }
      bodies.push({ path: "/auth/verify-biometric", body: { deviceSignature: { deviceId: "device-garbage-1", challenge: g, signature: g } } });
      // (a garbage string that happens to be a well-formed device id gets a challenge, rightly)
      if (!(typeof g === "string" && /^[A-Za-z0-9._-]{8,128}$/.test(g))) bodies.push({ path: "/auth/device-challenge", body: { deviceId: g, purpose: "sign_in" } });
      bodies.push({
        path: "/auth/enable-biometric",
        body: { deviceKey: { deviceId: "device-garbage-1", publicKey: g, algorithm: "ES256" }, proof: { challenge: g, signature: g } },
        token: session.token,
      });
    }
    bodies.push({ path: "/auth/verify-biometric", body: { assertion, deviceSignature: {} } });
    bodies.push({ path: "/auth/device-challenge", body: { deviceId: "x".repeat(5000), purpose: "sign_in" } });
    for (const { path, body, token } of bodies) {
      const res = await call(path, { body, ip: uniqueIp(), settings, ...(token ? { token } : {}) });
      const text = await res.text();
      expect(res.status, `${path} ${JSON.stringify(body).slice(0, 200)} → ${text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${path} ${JSON.stringify(body).slice(0, 200)} → ${text}`).toBeLessThan(500);
      expect((JSON.parse(text) as { error: { code: string } }).error.code).toMatch(/^[a-z_]+$/);
    }
  });
});
