import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** The API the demo talks to: the dev server (`npm run dev`). */
const api = process.env.DEMO_API_URL ?? "http://localhost:8787";

/**
 * `npm run demo`: Vite serves the demo on http://localhost:5173 and passes
 * the API paths to the dev server, so the page and the API share one origin
 * (WebAuthn's origin check and the token's CORS stay simple).
 * `vite build` (scripts/build-assets.mjs) writes public/demo/, which the
 * Worker serves at /demo in development only.
 */
export default defineConfig({
  root: here("."),
  base: "/demo/",
  resolve: { alias: { "edge-phone-auth/client": here("../../client/src/index.ts") } },
  build: { outDir: here("../../public/demo"), emptyOutDir: true, target: "es2022" },
  server: {
    port: 5173,
    strictPort: true,
    // The Worker sees the demo's own host, so in development its WebAuthn origin is the page's.
    proxy: Object.fromEntries(["/auth", "/user", "/dev", "/.well-known", "/openapi.json"].map((path) => [path, { target: api, changeOrigin: false }])),
  },
});
