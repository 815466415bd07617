import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../types";
import { DEV_OUTBOX_PATH } from "./dev";
import { ErrorSchema, errorResponses, HEADER_COMPONENTS, jsonResponse } from "./schemas";

export const OPENAPI_PATH = "/openapi.json";

type Document = ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>;

/** The parts of a generated operation that withErrorLists reads and writes. */
interface OperationLike {
  description?: string;
  responses?: Record<string, { content?: Record<string, { examples?: Record<string, unknown> }> }>;
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/**
 * Ends each operation's description with the error codes it can return, per
 * status ("Errors: 400 `invalid_request`; …"), read from its own responses
 * (one example per code, see errorResponses), so the text cannot drift from them.
 */
function withErrorLists(doc: Document): Document {
  const paths = Object.fromEntries(
    Object.entries(doc.paths ?? {}).map(([path, item]) => [
      path,
      Object.fromEntries(Object.entries(item).map(([key, value]) => [key, METHODS.has(key) ? describeErrors(value as OperationLike) : value])),
    ]),
  );
  return { ...doc, paths };
}

function describeErrors(op: OperationLike): OperationLike {
  const parts = Object.entries(op.responses ?? {})
    .filter(([status]) => Number(status) >= 400)
    .map(([status, response]) => `${status} ${Object.keys(response.content?.["application/json"]?.examples ?? {}).map((code) => `\`${code}\``).join(", ")}`);
  if (parts.length === 0) return op;
  return { ...op, description: `${op.description ?? ""}\n\nErrors: ${parts.join("; ")}.` };
}

const TAGS = [
  { name: "auth", description: "Sign in by SMS code; check and end sessions" },
  { name: "biometric", description: "Passkeys and native device keys: enrol, unlock, sign in" },
  { name: "pin", description: "A PIN that unlocks an existing session (never a sign-in)" },
  { name: "sessions", description: "Renewal, step-up by code, and the user's own sessions" },
  { name: "system", description: "Probes, signing keys and this document" },
  { name: "dev", description: "Development helpers, served only with the console SMS provider" },
];

// OpenAPI 3.1 allows an SPDX `identifier` (openapi3-ts' LicenseObject type predates it).
const LICENSE = { name: "MIT", identifier: "MIT" };

/**
 * Serves the OpenAPI 3.1 document at /openapi.json, built from the same zod
 * schemas the routes validate with. It describes what this deployment
 * answers: the dev outbox only with the console SMS provider, and `servers`
 * from PUBLIC_URL (else the request's own origin). The body of the document
 * is generated once per variant; only `servers` differs per request.
 */
export function registerOpenApi(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.register("Error", ErrorSchema);
  for (const [name, header] of Object.entries(HEADER_COMPONENTS)) {
    app.openAPIRegistry.registerComponent("headers", name, header);
  }

  const cache = new Map<boolean, Document>();
  const documentFor = (withDevOutbox: boolean): Document => {
    let doc = cache.get(withDevOutbox);
    if (!doc) {
      doc = withErrorLists(app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "edge-phone-auth",
          version: "0.1.0",
          description:
            "Phone-number sign-in by SMS one-time code, with JWT access tokens and server-side sessions, on Cloudflare Workers. " +
            "Every error is `{\"error\":{\"code\",\"message\",\"requestId\"}}` with a stable `code`; each response lists exactly " +
            "the codes it can carry. Every response has `X-Request-Id`; 429 and 503 carry `Retry-After`; 401 carries `WWW-Authenticate`. " +
            "Bodies are JSON, at most 16 KiB. A known path called with another method answers 405 `method_not_allowed` with `Allow`.",
          license: LICENSE,
        },
        tags: withDevOutbox ? TAGS : TAGS.filter((t) => t.name !== "dev"),
      }));
      if (!withDevOutbox) {
        const { [DEV_OUTBOX_PATH]: _outbox, ...paths } = doc.paths ?? {};
        doc = { ...doc, paths };
      }
      cache.set(withDevOutbox, doc);
    }
    return doc;
  };

  const serve = (c: Context<AppEnv>) => {
    const config = c.var.config;
    const doc = documentFor(config.sms.provider === "console");
    const url = config.publicUrl ?? new URL(c.req.url).origin;
    return { ...doc, servers: [{ url, description: config.publicUrl ? "PUBLIC_URL" : "this server" }] };
  };

  app.openapi(
    createRoute({
      method: "get",
      path: OPENAPI_PATH,
      operationId: "getOpenApiDocument",
      tags: ["system"],
      security: [],
      summary: "This OpenAPI 3.1 document",
      description: "Describes the routes this deployment serves (the dev outbox only with the console SMS provider).",
      responses: {
        200: jsonResponse(
          "OpenAPI 3.1 document",
          z.record(z.string(), z.unknown()).openapi({ description: "An OpenAPI 3.1 document", example: { openapi: "3.1.0" } }),
        ),
        ...errorResponses({ 503: ["service_misconfigured"] }),
      },
    }),
    (c) => c.json(serve(c) as Record<string, unknown>, 200),
  );
}
