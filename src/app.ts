import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { AuthError } from "./errors";
import { errorResponse, handleError } from "./lib/http-error";
import { validationHook } from "./lib/validation";
import { configMiddleware } from "./middleware/config";
import { corsFromConfig } from "./middleware/cors";
import { requestLog } from "./middleware/request-log";
import { securityHeaders } from "./middleware/security-headers";
import { services } from "./middleware/services";
import { authRoutes } from "./routes/auth";
import { devRoutes } from "./routes/dev";
import { systemRoutes } from "./routes/system";
import type { ServiceOptions } from "./services";
import type { AppEnv } from "./types";

const MAX_BODY_BYTES = 16 * 1024;

/** Builds the HTTP app: middleware order matters and is read top to bottom. */
export function createApp(options: ServiceOptions = {}): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use("*", requestId({ limitLength: 64 }));
  app.use("*", requestLog({ skip: ["/healthz"] }));
  app.use("*", securityHeaders());
  app.use("*", configMiddleware({ allowWhenMisconfigured: ["/healthz"] }));
  app.use("*", corsFromConfig());
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => errorResponse(c, new AuthError("payload_too_large")),
    }),
  );
  app.use("/auth/*", services(options));
  app.use("/readyz", services(options));

  app.route("/", systemRoutes);
  app.route("/auth", authRoutes);
  app.route("/dev", devRoutes);

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "edge-phone-auth",
      version: "0.1.0",
      description: "Phone-number sign-in by SMS one-time code, with sessions, on Cloudflare Workers.",
    },
  });

  app.notFound((c) => errorResponse(c, new AuthError("not_found")));
  app.onError(handleError);
  return app;
}
