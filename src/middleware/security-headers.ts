import { secureHeaders } from "hono/secure-headers";

/**
 * Security headers on every response (IN-02). The API serves JSON only, so
 * the CSP forbids everything, framing included.
 */
export function securityHeaders() {
  return secureHeaders({
    strictTransportSecurity: "max-age=63072000; includeSubDomains; preload",
    xContentTypeOptions: "nosniff",
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-site",
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
  });
}
