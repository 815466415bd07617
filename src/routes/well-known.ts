import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AndroidApp } from "../config";
import { AuthError } from "../errors";
import { validationHook } from "../lib/validation";
import type { AppEnv } from "../types";
import { EXAMPLES } from "./examples";
import { errorResponses, jsonResponse } from "./schemas";

/**
 * Association files that let Android and iOS apps use this RP's passkeys.
 * They are built from the same settings the server verifies origins with
 * (ANDROID_APPS gives both the assetlinks statements and the accepted
 * `android:apk-key-hash:` origins), so the two cannot drift. Platforms fetch
 * them from the RP ID's host: serve this Worker there (docs/biometrics.md).
 */
export const wellKnownRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const CACHE = "public, max-age=3600";

const AssetStatement = z.object({
  relation: z.array(z.string()),
  target: z.object({ namespace: z.literal("android_app"), package_name: z.string(), sha256_cert_fingerprints: z.array(z.string()) }),
});

/** One statement per package, listing every signing-certificate fingerprint it may carry. */
export function assetLinks(apps: readonly AndroidApp[]): z.infer<typeof AssetStatement>[] {
  const byPackage = new Map<string, string[]>();
  for (const app of apps) byPackage.set(app.packageName, [...(byPackage.get(app.packageName) ?? []), app.fingerprint]);
  return [...byPackage].map(([packageName, fingerprints]) => ({
    relation: ["delegate_permission/common.handle_all_urls", "delegate_permission/common.get_login_creds"],
    target: { namespace: "android_app" as const, package_name: packageName, sha256_cert_fingerprints: fingerprints },
  }));
}

wellKnownRoutes.openapi(
  createRoute({
    method: "get",
    path: "/.well-known/assetlinks.json",
    operationId: "androidAssetLinks",
    tags: ["biometric"],
    security: [],
    summary: "Digital Asset Links for the Android apps in ANDROID_APPS",
    description: "Lets the listed apps share this relying party's passkeys and sign-in credentials. Cacheable for an hour. 404 when ANDROID_APPS is unset.",
    responses: {
      200: jsonResponse("Statements", z.array(AssetStatement), EXAMPLES.assetLinks),
      ...errorResponses({ 404: ["not_found"], 503: ["service_misconfigured"] }),
    },
  }),
  (c) => {
    const apps = c.var.config.webauthn.androidApps;
    if (apps.length === 0) throw new AuthError("not_found");
    return c.json(assetLinks(apps), 200, { "Cache-Control": CACHE });
  },
);

wellKnownRoutes.openapi(
  createRoute({
    method: "get",
    path: "/.well-known/apple-app-site-association",
    operationId: "appleAppSiteAssociation",
    tags: ["biometric"],
    security: [],
    summary: "Apple app-site association for the iOS apps in APPLE_APP_IDS",
    description: "`webcredentials` for passkeys, as application/json with no redirect. Cacheable for an hour. 404 when APPLE_APP_IDS is unset.",
    responses: {
      200: jsonResponse("Association", z.object({ webcredentials: z.object({ apps: z.array(z.string()) }) }), EXAMPLES.appleAppSiteAssociation),
      ...errorResponses({ 404: ["not_found"], 503: ["service_misconfigured"] }),
    },
  }),
  (c) => {
    const apps = c.var.config.webauthn.appleAppIds;
    if (apps.length === 0) throw new AuthError("not_found");
    return c.json({ webcredentials: { apps: [...apps] } }, 200, { "Cache-Control": CACHE });
  },
);
