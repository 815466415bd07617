import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { logout } from "../domain/sessions";
import { requestOtp, verifyOtp, type ClientContext } from "../domain/sign-in";
import type { UserRecord } from "../domain/ports";
import { validationHook } from "../lib/validation";
import { clientIp } from "../middleware/client-ip";
import { requireJson } from "../middleware/require-json";
import { requireSession } from "../middleware/require-session";
import type { AppEnv } from "../types";
import {
  CheckSessionResponse,
  errorResponses,
  RequestOtpBody,
  RequestOtpResponse,
  VerifyOtpBody,
  VerifyOtpResponse,
} from "./schemas";

function clientOf(c: Context<AppEnv>): ClientContext {
  // The per-IP subject comes from the configured source only (middleware/client-ip).
  return { ip: c.var.clientIp, userAgent: c.req.header("user-agent") ?? null };
}

function publicUser(user: UserRecord, isNewUser: boolean) {
  return { id: user.id, isNewUser, biometricEnabled: user.biometricEnabled, pinEnabled: user.pinEnabled };
}

const bearer = [{ bearerAuth: [] }];

export const authRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

authRoutes.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
});

authRoutes.use("*", clientIp());
authRoutes.use("/request-otp", requireJson());
authRoutes.use("/verify-otp", requireJson());

authRoutes.openapi(
  createRoute({
    method: "post",
    path: "/request-otp",
    summary: "Send a sign-in code by SMS",
    description: "Same answer whether or not the phone has an account.",
    request: { body: { required: true, content: { "application/json": { schema: RequestOtpBody } } } },
    responses: {
      200: { description: "Code sent", content: { "application/json": { schema: RequestOtpResponse } } },
      ...errorResponses(400, 413, 415, 429, 502, 503),
    },
  }),
  async (c) => {
    const result = await requestOtp(c.var.services, c.req.valid("json"), clientOf(c));
    return c.json(result, 200);
  },
);

authRoutes.openapi(
  createRoute({
    method: "post",
    path: "/verify-otp",
    summary: "Check a code and sign in",
    request: { body: { required: true, content: { "application/json": { schema: VerifyOtpBody } } } },
    responses: {
      200: { description: "Signed in", content: { "application/json": { schema: VerifyOtpResponse } } },
      ...errorResponses(400, 413, 415, 429, 503),
    },
  }),
  async (c) => {
    const signedIn = await verifyOtp(c.var.services, c.req.valid("json"), clientOf(c));
    c.header("Cache-Control", "no-store");
    return c.json(
      {
        token: signedIn.token,
        expiresAt: new Date(signedIn.expiresAt).toISOString(),
        user: publicUser(signedIn.user, signedIn.isNewUser),
      },
      200,
    );
  },
);

authRoutes.use("/check-session", requireSession());
authRoutes.openapi(
  createRoute({
    method: "get",
    path: "/check-session",
    summary: "Verify a token and its server-side session",
    security: bearer,
    responses: {
      200: { description: "Session is live", content: { "application/json": { schema: CheckSessionResponse } } },
      ...errorResponses(401, 503),
    },
  }),
  (c) => {
    const { user, session } = c.var.auth;
    return c.json(
      {
        valid: true as const,
        user: publicUser(user, false),
        session: {
          id: session.id,
          createdAt: new Date(session.createdAt).toISOString(),
          lastAuthAt: new Date(session.lastAuthAt).toISOString(),
        },
        stepUp: { required: false, methods: [] },
      },
      200,
    );
  },
);

authRoutes.use("/logout", requireSession());
authRoutes.openapi(
  createRoute({
    method: "post",
    path: "/logout",
    summary: "Revoke this session",
    security: bearer,
    responses: { 204: { description: "Signed out" }, ...errorResponses(401, 503) },
  }),
  async (c) => {
    await logout(c.var.services, c.var.auth);
    return c.body(null, 204);
  },
);
