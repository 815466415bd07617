/**
 * Every operation of the OpenAPI document is complete enough to use from the
 * docs UI alone: a summary, a description that ends with the error codes it
 * can return, an example for every JSON request body and every 2xx JSON
 * response. Examples may sit on the media type (`example`, `examples`) or on
 * the schema it points to; Redocly's lint (test/node/openapi-lint.test.ts)
 * checks that each one fits its schema.
 */
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

interface Schema {
  $ref?: string;
  example?: unknown;
  examples?: unknown[];
}
interface Media {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}
interface Operation {
  summary?: string;
  description?: string;
  requestBody?: { content?: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

async function served(settings: Record<string, unknown> = {}): Promise<Document> {
  const res = await call("/openapi.json", { settings });
  expect(res.status).toBe(200);
  return (await res.json()) as Document;
}

/** Whether the media type, or the schema it uses (through $ref), carries an example. */
function hasExample(doc: Document, media: Media): boolean {
  if (media.example !== undefined) return true;
  if (media.examples && Object.values(media.examples).length > 0) return Object.values(media.examples).every((e) => e.value !== undefined);
  let schema = media.schema;
  for (let hops = 0; schema?.$ref && hops < 10; hops++) schema = doc.components.schemas[schema.$ref.replace("#/components/schemas/", "")];
  return schema?.example !== undefined || (schema?.examples?.length ?? 0) > 0;
}

function operations(doc: Document): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]));
}

/** Everything an operation lacks; empty when complete. */
function gaps(doc: Document, op: Operation): string[] {
  const missing: string[] = [];
  if (!op.summary?.trim()) missing.push("summary");
  if (!op.description?.trim()) missing.push("description");
  for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
    if (type.includes("json") && !hasExample(doc, media)) missing.push(`request example (${type})`);
  }
  for (const [status, response] of Object.entries(op.responses)) {
    if (!/^2/.test(status)) continue;
    for (const [type, media] of Object.entries(response.content ?? {})) {
      if (type.includes("json") && !hasExample(doc, media)) missing.push(`${status} example (${type})`);
    }
  }
  for (const [status, response] of Object.entries(op.responses)) {
    if (Number(status) < 400) continue;
    for (const code of Object.keys(response.content?.["application/json"]?.examples ?? {})) {
      if (!op.description?.includes(`\`${code}\``)) missing.push(`${status} \`${code}\` in the description`);
    }
  }
  return missing;
}

describe("OpenAPI completeness", () => {
  it("every operation has a summary, a description naming its error codes, and examples for its JSON bodies and 2xx answers", async () => {
    const doc = await served();
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(30);
    const incomplete = Object.fromEntries(ops.map(([key, op]) => [key, gaps(doc, op)] as const).filter(([, missing]) => missing.length > 0));
    expect(incomplete).toEqual({});
  });

  it("the error list ends the description, per status, in the order of the responses", async () => {
    const doc = await served();
    const op = doc.paths["/auth/verify-otp"]!.post!;
    expect(op.description).toMatch(
      /\n\nErrors: 400 `invalid_request`, `invalid_phone`, `otp_invalid`, `otp_expired`; 413 `payload_too_large`; 415 `unsupported_media_type`; 429 `rate_limited`, `too_many_attempts`; 503 `service_unavailable`, `service_misconfigured`\.$/,
    );
    // An operation with no error responses gets no list.
    expect(doc.paths["/healthz"]!.get!.description).not.toContain("Errors:");
  });

  it("the checker itself: an operation without a summary, a body example or a 2xx example is reported", () => {
    const doc: Document = { paths: {}, components: { schemas: { Bare: {}, Shown: { example: { a: 1 } } } } };
    const op: Operation = {
      description: "No codes.",
      requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Bare" } } } },
      responses: {
        200: { content: { "application/json": { schema: { $ref: "#/components/schemas/Shown" } } } },
        201: { content: { "application/json": { schema: {} } } },
        400: { content: { "application/json": { examples: { invalid_request: { value: {} } } } } },
      },
    };
    expect(gaps(doc, op)).toEqual(["summary", "request example (application/json)", "201 example (application/json)", "400 `invalid_request` in the description"]);
  });
});
