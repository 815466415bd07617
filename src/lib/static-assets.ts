import type { Context } from "hono";
import { AuthError } from "../errors";
import type { AppEnv } from "../types";

/** A year: for files whose URL changes whenever their content does. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** Revalidate every time (ETag makes that a 304). */
export const REVALIDATE = "no-cache";

/**
 * Content types by extension, set by the Worker rather than trusted from the
 * asset server: Cloudflare's sets them, but a plain file server (self-hosted
 * workerd's disk service) answers application/octet-stream, which browsers
 * refuse for scripts and styles under `X-Content-Type-Options: nosniff`.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  html: "text/html; charset=utf-8",
  json: "application/json",
  map: "application/json",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
  woff2: "font/woff2",
};

/** Plain file paths only: each segment starts with a letter, digit, `_` or `-` (no `.`/`..`, no hidden files, no `%`). */
const SAFE_PATH = /^(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$/;

/**
 * Answers with the file at `path` in public/ through the ASSETS binding,
 * with the given Cache-Control. A conditional request (If-None-Match) is
 * passed on, so a cached copy gets 304. Anything but a 200 or 304 (no such
 * file, no binding, a path outside `under` or not a plain file path) is the
 * API's JSON 404 `not_found`: the Worker, not the asset server, decides what
 * a missing file looks like.
 */
export async function serveAsset(c: Context<AppEnv>, path: string, cacheControl: string, under: string): Promise<Response> {
  const assets = c.env.ASSETS;
  // `under` keeps each route to its own folder: no path may climb out of it (/docs/assets/v/../../demo).
  if (!assets || !SAFE_PATH.test(path) || !path.startsWith(`${under}/`)) throw new AuthError("not_found");
  const headers = new Headers();
  const etag = c.req.header("if-none-match");
  if (etag) headers.set("If-None-Match", etag);
  const res = await assets.fetch(new Request(new URL(path, c.req.url), { headers }));
  if (res.status !== 200 && res.status !== 304) {
    await res.body?.cancel();
    throw new AuthError("not_found");
  }
  // A fetched Response's headers are immutable; the middleware still has headers to add.
  const out = new Response(res.body, res);
  out.headers.set("Cache-Control", cacheControl);
  const type = CONTENT_TYPES[path.slice(path.lastIndexOf(".") + 1)];
  if (type && res.status === 200) out.headers.set("Content-Type", type);
  return out;
}
