import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { AuthError } from "./errors";
import { errorResponse, handleError } from "./lib/http-error";
import { validationHook } from "./lib/validation";
import { configMiddleware } from "./middleware/config";
import { clientIp } from "./middleware/client-ip";
import { corsFromConfig } from "./middleware/cors";
import { methodNotAllowed } from "./middleware/method-not-allowed";
import { noStore } from "./middleware/no-store";
import { requestId } from "./middleware/request-id";
import { requestLog } from "./middleware/request-log";
import { securityHeaders } from "./middleware/security-headers";
import { services } from "./middleware/services";
import { adminRoutes } from "./routes/admin";
import { authRoutes } from "./routes/auth";
import { biometricRoutes } from "./routes/biometric";
import { demoOnly, demoRoutes, DEMO_PATH } from "./routes/demo";
import { devOnly, devRoutes } from "./routes/dev";
import { DOCS_PATH, docsEnabled, docsRoutes } from "./routes/docs";
import { registerOpenApi } from "./routes/openapi";
import { pinRoutes } from "./routes/pin";
import { sessionRoutes } from "./routes/sessions";
import { systemRoutes } from "./routes/system";
import { userRoutes } from "./routes/user";
import { userPhoneRoutes } from "./routes/user-phone";
import { webhookRoutes } from "./routes/webhooks";
import { wellKnownRoutes } from "./routes/well-known";
import type { ServiceOptions } from "./services";
import type { AppEnv } from "./types";

const MAX_BODY_BYTES = 16 * 1024;

/** Builds the HTTP app: middleware order matters and is read top to bottom. */
export function createApp(options: ServiceOptions = {}): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use("*", requestId());
  app.use("*", requestLog({ skip: ["/healthz"] }));
  app.use("*", securityHeaders());
  app.use("*", configMiddleware({ allowWhenMisconfigured: ["/healthz"] }));
  // Answers every OPTIONS preflight, so OPTIONS is allowed on every path.
  app.use("*", corsFromConfig({ allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"] }));
  // Tokens, sessions and outbox messages are never cached (errors never are either).
  app.use("/auth/*", noStore());
  app.use("/admin/*", noStore());
  app.use("/webhooks/*", noStore());
  app.use("/user", noStore());
  app.use("/user/*", noStore());
  app.use("/dev/*", noStore());
  app.use("/dev/*", devOnly());
  // Not API routes: the docs UI (DOCS_ENABLED) and the demo app (development
  // only). `/docs/*` also matches `/docs` itself.
  app.use(`${DOCS_PATH}/*`, docsEnabled());
  app.use(`${DEMO_PATH}/*`, demoOnly());
  app.use("*", methodNotAllowed({ routes: () => app.routes, alwaysAllowed: ["OPTIONS"] }));
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => errorResponse(c, new AuthError("payload_too_large")),
    }),
  );
  app.use("/auth/*", services(options));
  // The per-IP limit subject, from the configured source only.
  app.use("/auth/*", clientIp());
  app.use("/admin/*", services(options));
  app.use("/user", services(options));
  app.use("/user/*", services(options));
  app.use("/readyz", services(options));
  app.use("/webhooks/*", services(options));

  app.route("/", systemRoutes);
  app.route("/auth", authRoutes);
  app.route("/auth", biometricRoutes);
  app.route("/auth", sessionRoutes);
  app.route("/auth", pinRoutes);
  app.route("/admin", adminRoutes);
  app.route("/webhooks", webhookRoutes);
  app.route("/user/phone", userPhoneRoutes);
  app.route("/user", userRoutes);
  app.route("/", wellKnownRoutes);
  app.route("/dev", devRoutes);
  app.route("/", docsRoutes);
  app.route("/", demoRoutes);
  registerOpenApi(app);

  app.notFound((c) => errorResponse(c, new AuthError("not_found")));
  app.onError(handleError);
  return app;
}
