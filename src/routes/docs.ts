import { Hono } from "hono";
import { etag } from "hono/etag";
import { createMiddleware } from "hono/factory";
// Only the version string is bundled: it names the asset folder the build wrote.
import swaggerUiDist from "swagger-ui-dist/package.json";
import { AuthError } from "../errors";
import { IMMUTABLE, REVALIDATE, serveAsset } from "../lib/static-assets";
import type { AppEnv } from "../types";
import { OPENAPI_PATH } from "./openapi";

/**
 * GET /docs: Swagger UI over /openapi.json, every file served by this Worker
 * (no CDN, no fonts, no call to any other origin). The page's scripts are
 * files, never inline, so its CSP needs neither 'unsafe-inline' nor a hash:
 *  - /docs/assets/<version>/…: the locked swagger-ui-dist files, copied to
 *    public/ by scripts/build-assets.mjs. The version is in the URL, so they
 *    can be cached for a year;
 *  - /docs/init.js: starts Swagger UI (served from code, revalidated).
 * DOCS_ENABLED=false makes all of it 404. These routes are not API operations
 * and stay out of the OpenAPI document.
 */
export const DOCS_PATH = "/docs";
export const DOCS_ASSETS = `${DOCS_PATH}/assets/${swaggerUiDist.version}`;
const INIT_PATH = `${DOCS_PATH}/init.js`;

/**
 * Only this origin: scripts and styles are files from here (Swagger UI sets
 * element styles through the DOM, which CSP does not restrict), its CSS
 * inlines icons as data: images, and "Try it out" calls this origin's API.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge-phone-auth API</title>
<link rel="stylesheet" href="${DOCS_ASSETS}/swagger-ui.css">
<link rel="stylesheet" href="${DOCS_ASSETS}/index.css">
<link rel="icon" type="image/png" href="${DOCS_ASSETS}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${DOCS_ASSETS}/favicon-16x16.png" sizes="16x16">
<link rel="license" href="${DOCS_ASSETS}/LICENSE.txt">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_ASSETS}/swagger-ui-bundle.js"></script>
<script src="${INIT_PATH}"></script>
</body>
</html>
`;

// validatorUrl: null turns off the badge that sends the document to
// validator.swagger.io; queryConfigEnabled stays off (its default), so a
// ?url= link cannot point this page at another document.
const INIT_SCRIPT = `"use strict";
window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_PATH)},
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
});
`;

/** 404 for the docs and their files when DOCS_ENABLED=false; mounted before the 405 check, so nothing about them shows. */
export const docsEnabled = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!c.var.config.docsEnabled) throw new AuthError("not_found");
    return next();
  });

/** Mounted at / behind docsEnabled() (src/app.ts). */
export const docsRoutes = new Hono<AppEnv>();

// The page and init script change only with a deploy: revalidation is a 304.
docsRoutes.use(DOCS_PATH, etag());
docsRoutes.use(INIT_PATH, etag());

docsRoutes.get(DOCS_PATH, (c) =>
  c.body(PAGE, 200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": REVALIDATE, "Content-Security-Policy": DOCS_CSP }),
);

docsRoutes.get(INIT_PATH, (c) => c.body(INIT_SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": REVALIDATE }));

// Only this build's version folder: another version's URL is a 404, not a stale file.
docsRoutes.get(`${DOCS_PATH}/assets/*`, (c) => serveAsset(c, c.req.path, IMMUTABLE, DOCS_ASSETS));
