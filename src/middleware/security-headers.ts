import { secureHeaders } from "hono/secure-headers";

/**
 * Security headers on every response (IN-02). The API serves JSON only, so
 * the CSP forbids everything, framing included. A header a route sets itself
 * is kept: the only ones that do are the docs and demo pages, each with a
 * same-origin CSP of its own (src/routes/docs.ts, src/routes/demo.ts).
 */
export function securityHeaders() {
  return secureHeaders({
    overwrite: false,
    strictTransportSecurity: "max-age=63072000; includeSubDomains; preload",
    xContentTypeOptions: "nosniff",
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-site",
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
  });
}
