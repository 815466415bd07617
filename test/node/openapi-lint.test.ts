/**
 * The OpenAPI document as a real client would get it: the Worker runs under
 * `wrangler dev` (real workerd), /openapi.json is fetched over HTTP, and
 * Redocly's `recommended` ruleset lints it. Any error fails; a warning fails
 * too unless it is one of the exceptions below, each with its reason. Our own
 * rules (operationId, security, headers) are checked on the same document.
 */
import { createConfig, lintFromString, type NormalizedProblem } from "@redocly/openapi-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev } from "../../tools/wrangler-dev.mjs";
import { TWILIO_TEST_ACCOUNT_SID, TWILIO_TEST_AUTH_TOKEN, TWILIO_TEST_FROM } from "../support/constants";

interface DevServer {
  url: string;
  log: () => string;
  stop: () => Promise<void>;
}

/** Warnings we accept, matched by rule and location; every one says why. */
const EXCEPTIONS: { rule: string; pointer: RegExp; reason: string }[] = [
  {
    rule: "operation-4xx-response",
    pointer: /^#\/paths\/~1(healthz|readyz|\.well-known~1jwks\.json|openapi\.json)\/get\/responses$/,
    reason: "these GETs take no input, so no 4xx exists for them (405 and 404 are path-level, not per operation)",
  },
  {
    rule: "no-unused-components",
    pointer: /^#\/components\/schemas\/Error$/,
    reason: "Error is the shared envelope with every code, published for clients that handle errors generically; each response uses its own copy narrowed to exactly the codes it can return",
  },
];

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, unknown> }>;
}
interface Document {
  openapi: string;
  info: { license?: Record<string, string> };
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
}

const servers: DevServer[] = [];
const documents = {} as Record<"console" | "twilio", { text: string; doc: Document; url: string }>;

beforeAll(async () => {
  const variants = {
    console: {},
    twilio: {
      SMS_PROVIDER: "twilio",
      TWILIO_ACCOUNT_SID: TWILIO_TEST_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TWILIO_TEST_AUTH_TOKEN,
      TWILIO_FROM: TWILIO_TEST_FROM,
      PUBLIC_URL: "https://auth.example.org",
    },
  } as const;
  await Promise.all(
    (Object.keys(variants) as (keyof typeof variants)[]).map(async (name) => {
      const server = await startWranglerDev({ vars: variants[name] });
      servers.push(server);
      const res = await fetch(`${server.url}/openapi.json`);
      expect(res.status).toBe(200);
      const text = await res.text();
      documents[name] = { text, doc: JSON.parse(text) as Document, url: server.url };
    }),
  );
}, 180_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function lint(text: string): Promise<NormalizedProblem[]> {
  const config = await createConfig({ extends: ["recommended"] });
  return lintFromString({ source: text, absoluteRef: "openapi.json", config });
}

function describeProblem(p: NormalizedProblem): string {
  return `${p.severity} ${p.ruleId} ${p.location.map((l) => l.pointer).join(",")}: ${p.message}`;
}

function operations(doc: Document): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => [path, method, op] as [string, string, Operation]));
}

describe.each(["console", "twilio"] as const)("the served OpenAPI document (SMS_PROVIDER=%s)", (variant) => {
  it("passes Redocly's recommended ruleset: no errors, and no warnings beyond the documented exceptions", async () => {
    const problems = await lint(documents[variant].text);
    const unexpected = problems.filter(
      (p) => p.severity === "error" || !EXCEPTIONS.some((e) => e.rule === p.ruleId && p.location.every((l) => e.pointer.test(l.pointer ?? ""))),
    );
    expect(unexpected.map(describeProblem).join("\n")).toBe("");
    // No stale exception: each one still excuses a warning the linter really reports.
    for (const e of EXCEPTIONS) {
      expect(problems.some((p) => p.ruleId === e.rule && p.location.every((l) => e.pointer.test(l.pointer ?? ""))), e.rule).toBe(true);
    }
  });

  it("every operation has a unique operationId, a summary, a description and declared security", () => {
    const { doc } = documents[variant];
    const ids = operations(doc).map(([path, method, op]) => {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.description, `${method} ${path}`).toBeTruthy();
      expect(Array.isArray(op.security), `${method} ${path} security`).toBe(true);
      return op.operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("every response describes X-Request-Id; 429 and 503 describe Retry-After; 401 WWW-Authenticate", () => {
    for (const [path, method, op] of operations(documents[variant].doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        const where = `${method} ${path} ${status}`;
        expect(response.headers, where).toHaveProperty("X-Request-Id");
        if (status === "429" || status === "503") expect(response.headers, where).toHaveProperty("Retry-After");
        if (status === "401") expect(response.headers, where).toHaveProperty("WWW-Authenticate");
      }
    }
  });

  it("servers is this deployment's public URL (PUBLIC_URL, else the request's origin) and the license is MIT", () => {
    const { doc, url } = documents[variant];
    expect(doc.servers).toEqual([expect.objectContaining({ url: variant === "twilio" ? "https://auth.example.org" : url })]);
    expect(doc.info.license).toEqual({ name: "MIT", identifier: "MIT" });
  });

  it("documents the dev outbox only when it is served", async () => {
    const { doc, url } = documents[variant];
    const served = (await fetch(`${url}/dev/sms-outbox?phone=%2B919876543210`)).status === 200;
    expect(served).toBe(variant === "console");
    expect(Object.keys(doc.paths).includes("/dev/sms-outbox")).toBe(served);
  });
});
