import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AuthError } from "../errors";
import { etag } from "hono/etag";
import { loadSigningKey, loadVerificationKeys } from "../lib/jwt";
import { validationHook } from "../lib/validation";
import type { AppEnv } from "../types";
import { commonHeaders, errorResponses, jsonResponse } from "./schemas";

export const systemRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

systemRoutes.openapi(
  createRoute({
    method: "get",
    path: "/healthz",
    operationId: "getHealth",
    tags: ["system"],
    security: [],
    summary: "Liveness: 200 while the Worker runs",
    description: "Never touches storage or settings: it answers 200 even when the configuration is invalid. Not logged.",
    responses: {
      200: jsonResponse("Alive", z.object({ status: z.literal("ok") }).openapi({ example: { status: "ok" } })),
    },
  }),
  (c) => c.json({ status: "ok" as const }, 200),
);

systemRoutes.openapi(
  createRoute({
    method: "get",
    path: "/readyz",
    operationId: "getReadiness",
    tags: ["system"],
    security: [],
    summary: "Readiness: 200 only when a sign-in can run",
    description:
      "Checks that the user store answers and holds the schema a sign-in needs (D1: the users columns and the unique phone index; " +
      "MongoDB: the unique phone index), and that the code store answers; 503 when either fails or does not answer within the storage deadline " +
      "(STORAGE_TIMEOUT_MS, 3 s by default).",
    responses: {
      200: jsonResponse(
        "Ready",
        z
          .object({
            status: z.literal("ready"),
            openErasures: z.number().int().openapi({ description: "Account erasures started and not finished (DATA-02): above 0 for long means the scheduled handler keeps failing to finish one; -1 when the journal did not answer" }),
          })
          .openapi({ example: { status: "ready", openErasures: 0 } }),
      ),
      ...errorResponses({ 503: ["service_unavailable", "service_misconfigured"] }),
    },
  }),
  async (c) => {
    // Throws DependencyError (503) when the user store or code store is down,
    // or the user store's schema is missing (migrations not applied).
    const { users, ledger, erasures } = c.var.services;
    // The erasure count informs; a journal that does not answer does not make the service unready.
    const [, , openErasures] = await Promise.all([users.ping(), ledger.ping(), erasures.count().catch(() => -1)]);
    return c.json({ status: "ready" as const, openErasures }, 200);
  },
);

// A strong ETag over the body: caches revalidate with If-None-Match and get a
// 304 until a key is added or removed.
systemRoutes.use("/.well-known/jwks.json", etag());

const JwkSchema = z.record(z.string(), z.unknown()).openapi({ description: "A public JWK (kty, crv, x[, y], kid, alg, use)" });

systemRoutes.openapi(
  createRoute({
    method: "get",
    path: "/.well-known/jwks.json",
    operationId: "getJwks",
    tags: ["system"],
    security: [],
    summary: "Public keys that verify access tokens",
    description:
      "The JWK set: the signing key (EdDSA/Ed25519 or ES256/P-256) first, then the keys of JWT_ADDITIONAL_PUBLIC_JWKS " +
      "(the next key, published before it signs, and the previous one, kept until its tokens expire). " +
      "Cacheable for 5 minutes, with an ETag (If-None-Match gives 304 while the set is unchanged).",
    responses: {
      200: jsonResponse(
        "JWK set",
        z.object({ keys: z.array(JwkSchema) }).openapi({
          example: { keys: [{ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "k1", alg: "EdDSA", use: "sig" }] },
        }),
      ),
      304: { description: "Not modified: If-None-Match matched the current ETag", headers: commonHeaders },
      ...errorResponses({ 503: ["service_misconfigured"] }, { service_misconfigured: "the signing key setting is missing or invalid" }),
    },
  }),
  async (c) => {
    const { privateJwk, additionalPublicJwks } = c.var.config.jwt;
    const keys = await loadSigningKey(privateJwk)
      .then((signing) => loadVerificationKeys(signing, additionalPublicJwks))
      .catch((err: unknown) => {
        throw new AuthError("service_misconfigured", { cause: err });
      });
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ keys: keys.map((k) => k.publicJwk as Record<string, unknown>) }, 200);
  },
);
