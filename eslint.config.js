import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "**/.wrangler/", "**/dist/", "coverage/", ".stryker-tmp/", "reports/", "public/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "no-restricted-globals": ["error", { name: "Buffer", message: "Use Uint8Array: src/ runs on Workers." }],
    },
  },
  {
    files: ["test/**", "scripts/**", "vitest.config.ts", "bench/**", "tools/**"],
    rules: { "no-restricted-globals": "off" },
  },
  {
    files: ["scripts/**/*.mjs", "tools/**/*.mjs", "bench/**/*.mjs", "migrations/**/*.mjs"],
    languageOptions: {
      globals: Object.fromEntries(
        ["process", "console", "Buffer", "URL", "URLSearchParams", "setTimeout", "clearTimeout", "fetch", "AbortSignal", "performance", "WebSocket"].map((g) => [g, "readonly"]),
      ),
    },
  },
);
