/**
 * Stand-in for the `whatwg-url` package, aliased in wrangler.toml. The
 * MongoDB driver's connection-string parser (mongodb-connection-string-url)
 * requires it only for `URL`, which Workers have natively. Wrangler's own
 * stand-in (unenv) has no default export, so every `--env mongo` bundle
 * printed an esbuild "import-is-undefined" warning; this one has both shapes.
 */
const NativeURL = URL;
const NativeURLSearchParams = URLSearchParams;

export { NativeURL as URL, NativeURLSearchParams as URLSearchParams };
export default { URL: NativeURL, URLSearchParams: NativeURLSearchParams };
