import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { AuthError } from "../errors";
import { IMMUTABLE, REVALIDATE, serveAsset } from "../lib/static-assets";
import type { AppEnv } from "../types";

/**
 * The demo app (examples/web, built by Vite into public/demo/ by
 * scripts/build-assets.mjs) at /demo/, in development only: it is a test
 * bench, not a product page. Same origin as the API, so its CSP allows this
 * origin only (scripts, styles, the API calls); WebAuthn needs nothing more.
 */
export const DEMO_PATH = "/demo";

export const DEMO_CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** 404 unless ENVIRONMENT=development; mounted before the 405 check, so nothing about the demo shows elsewhere. */
export const demoOnly = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.var.config.environment !== "development") throw new AuthError("not_found");
    await next();
    // The page's own policy (the global one forbids everything); errors keep the global one.
    if (c.res.status < 400) c.header("Content-Security-Policy", DEMO_CSP);
  });

/** Mounted at / behind demoOnly() (src/app.ts). */
export const demoRoutes = new Hono<AppEnv>();

// The page's relative links (./favicon.svg) need the trailing slash.
demoRoutes.get(DEMO_PATH, (c) => c.redirect(`${DEMO_PATH}/`, 302));

demoRoutes.get(`${DEMO_PATH}/`, (c) => serveAsset(c, `${DEMO_PATH}/index.html`, REVALIDATE, DEMO_PATH));

demoRoutes.get(`${DEMO_PATH}/*`, (c) => {
  // Vite names what it writes under assets/ by content hash: a new build is a new URL.
  const cache = c.req.path.startsWith(`${DEMO_PATH}/assets/`) ? IMMUTABLE : REVALIDATE;
  return serveAsset(c, c.req.path, cache, DEMO_PATH);
});
