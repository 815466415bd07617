/**
 * A local stand-in for MSG91's v5 SMS APIs (India, DLT templates) that speaks
 * their wire format. Sources and uncertain points: /tmp/notes/msg91.md.
 *
 *   POST /api/v5/flow  (or /api/v5/flow/)   header authkey, JSON body
 *     {"template_id":"…","short_url":"0","recipients":[{"mobiles":"91XXXXXXXXXX","VAR":"…"}]}
 *     or the older {"flow_id":"…","sender":"…","mobiles":"91…[,91…]","VAR":"…"}
 *     → 200 {"type":"success","message":"<24-hex request id>"}
 *   POST /api/v5/otp?template_id=…&mobile=91XXXXXXXXXX&otp=…&otp_length=…&otp_expiry=…
 *     header authkey, JSON body with any other template variables ({} if none)
 *     → 200 {"request_id":"<24-hex>","type":"success"}
 *
 * Failures use MSG91's envelope {"type":"error","message":"…"[,"code":"…"]}:
 * a wrong or missing authkey is HTTP 401; what MSG91 rejects after reading the
 * request (template, mobile, OTP options) comes back as HTTP 200 with
 * type "error", so a caller that only checks the status code is caught.
 * The fake is stricter than MSG91 in two places (noted in the notes file):
 * it requires the authkey in the header (not the query) and rejects a send
 * that leaves out a variable the registered template uses.
 *
 * Control endpoints (test only):
 *   POST /__scenario {"mobile":"91…","status":200,"type":"error","message":"…","code":"…","delayMs":0}
 *   GET  /__messages?mobile=91…  → {"messages":[{api,templateId,mobile,variables}]}
 */
import { randomBytes, randomInt } from "node:crypto";
import { createServer, type Server } from "node:http";
import { readBody, sendJson, serveOnLoopback } from "./fake-server";

export interface FakeMsg91Options {
  authKey: string;
  /** template ids the fake knows, each with the variable names its registered text uses */
  templates: Record<string, string[]>;
}

export interface FakeMsg91 {
  url: string;
  server: Server;
  close(): Promise<void>;
}

interface Scenario {
  status?: number;
  type?: "success" | "error";
  message?: string;
  code?: string;
  delayMs?: number;
}

interface Received {
  api: "flow" | "otp";
  templateId: string;
  mobile: string;
  variables: Record<string, string>;
}

/** Why a request is refused: the HTTP status and MSG91's error envelope. */
class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly code?: string,
  ) {}
}

/** Country code and subscriber number, digits only, no '+' or leading 0 (E.164 without the '+'). */
const MOBILE = /^[1-9]\d{9,14}$/;
/** Body keys of the flow API that are options, not template variables. */
const FLOW_OPTIONS = new Set([
  "template_id", "flow_id", "sender", "short_url", "short_url_expiry", "realTimeResponse",
  "recipients", "mobiles", "route", "unicode", "schtime", "authkey",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** MSG91 request ids are 24 hex characters. */
function requestId(): string {
  return randomBytes(12).toString("hex");
}

function parseJsonObject(raw: string): Record<string, unknown> {
  if (raw.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Refusal(400, "Invalid JSON body");
  }
  if (!isRecord(parsed)) throw new Refusal(400, "Invalid JSON body");
  return parsed;
}

function checkMobile(mobile: string): void {
  if (!MOBILE.test(mobile)) {
    throw new Refusal(200, "Invalid mobile number. Use the country code without '+', e.g. 919XXXXXXXXX");
  }
}

/** Variable values as strings; MSG91 substitutes them into ##NAME## (case-sensitive). */
function variablesOf(source: Record<string, unknown>, skip: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (skip.has(key)) continue;
    if (typeof value === "string" || typeof value === "number") out[key] = String(value);
  }
  return out;
}

function checkVariables(needed: string[], variables: Record<string, string>): void {
  for (const name of needed) {
    if (variables[name] === undefined || variables[name] === "") {
      throw new Refusal(200, `Variable ${name} is missing for the template`);
    }
  }
}

export async function startFakeMsg91(opts: FakeMsg91Options): Promise<FakeMsg91> {
  const scenarios = new Map<string, Scenario>();
  const received: Received[] = [];

  function template(id: unknown): { id: string; variables: string[] } {
    if (typeof id !== "string" || id === "") throw new Refusal(200, "Template ID missing");
    const variables = opts.templates[id];
    if (variables === undefined) throw new Refusal(200, "Invalid template id");
    return { id, variables };
  }

  /** POST /api/v5/flow: one message per recipient; every recipient must be valid. */
  function flow(body: Record<string, unknown>): Received[] {
    const tpl = template(body.template_id ?? body.flow_id);
    const rows: Record<string, unknown>[] = [];
    if (Array.isArray(body.recipients)) {
      for (const r of body.recipients as unknown[]) {
        if (!isRecord(r)) throw new Refusal(200, "Invalid recipients");
        rows.push(r);
      }
    } else if (typeof body.mobiles === "string" || typeof body.mobiles === "number") {
      for (const m of String(body.mobiles).split(",")) rows.push({ ...body, mobiles: m.trim() });
    }
    if (rows.length === 0) throw new Refusal(200, "Mobile number missing");
    return rows.map((row) => {
      const mobile = typeof row.mobiles === "string" || typeof row.mobiles === "number" ? String(row.mobiles) : "";
      if (mobile === "") throw new Refusal(200, "Mobile number missing");
      checkMobile(mobile);
      const variables = variablesOf(row, FLOW_OPTIONS);
      checkVariables(tpl.variables, variables);
      return { api: "flow", templateId: tpl.id, mobile, variables };
    });
  }

  /** POST /api/v5/otp: our own code (or one MSG91 makes up) into the template's ##OTP##. */
  function otp(query: URLSearchParams, body: Record<string, unknown>): Received {
    const tpl = template(query.get("template_id"));
    const mobile = query.get("mobile") ?? "";
    if (mobile === "") throw new Refusal(200, "Mobile no. empty or not numeric");
    checkMobile(mobile);
    if (!tpl.variables.includes("OTP")) throw new Refusal(200, "Message doesn't contain otp");
    const lengthParam = query.get("otp_length");
    const length = lengthParam === null ? undefined : Number(lengthParam);
    if (length !== undefined && (!Number.isInteger(length) || length < 4 || length > 9)) {
      throw new Refusal(200, "invalid_otp_length");
    }
    const expiry = query.get("otp_expiry");
    if (expiry !== null && !(Number.isInteger(Number(expiry)) && Number(expiry) >= 1)) {
      throw new Refusal(200, "invalid_otp_expiry");
    }
    let code = query.get("otp");
    if (code !== null) {
      if (!/^\d{4,9}$/.test(code)) throw new Refusal(200, "Otp empty or not numeric");
      if (length !== undefined && code.length !== length) throw new Refusal(200, "invalid_otp_length");
    } else {
      code = Array.from({ length: length ?? 4 }, () => String(randomInt(10))).join("");
    }
    const variables = { ...variablesOf(body, new Set(["OTP", "otp"])), OTP: code };
    checkVariables(tpl.variables, variables);
    return { api: "otp", templateId: tpl.id, mobile, variables };
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const raw = await readBody(req);

    if (url.pathname === "/__scenario" && req.method === "POST") {
      const { mobile, ...scenario } = JSON.parse(raw) as Scenario & { mobile: string };
      scenarios.set(mobile, scenario);
      return sendJson(res, 204, {});
    }
    if (url.pathname === "/__messages" && req.method === "GET") {
      const mobile = url.searchParams.get("mobile");
      return sendJson(res, 200, { messages: received.filter((m) => mobile === null || m.mobile === mobile) });
    }

    const api = url.pathname === "/api/v5/flow" || url.pathname === "/api/v5/flow/"
      ? "flow"
      : url.pathname === "/api/v5/otp" || url.pathname === "/api/v5/otp/" ? "otp" : null;
    if (api === null || req.method !== "POST") {
      return sendJson(res, 404, { type: "error", message: "Not Found" });
    }

    let messages: Received[];
    try {
      const key = req.headers.authkey;
      if (typeof key !== "string" || key !== opts.authKey) {
        throw new Refusal(401, "AuthenticationFailure", "401");
      }
      if (!(req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) {
        throw new Refusal(400, "Content-Type must be application/json");
      }
      const body = parseJsonObject(raw);
      messages = api === "flow" ? flow(body) : [otp(url.searchParams, body)];
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      return sendJson(res, err.status, { type: "error", message: err.message, ...(err.code ? { code: err.code } : {}) });
    }

    const scenario = messages.map((m) => scenarios.get(m.mobile)).find((s) => s !== undefined) ?? {};
    const refused = scenario.type === "error" || (scenario.status !== undefined && scenario.status >= 400);
    // MSG91 has usually queued the SMS when its answer is late: a stalled
    // success is recorded before the delay, as the Twilio fake does.
    if (!refused) received.push(...messages);
    if (scenario.delayMs) await new Promise((r) => setTimeout(r, scenario.delayMs));
    if (res.destroyed) return;
    if (refused) {
      return sendJson(res, scenario.status ?? 200, {
        type: "error",
        message: scenario.message ?? "Unknown error (simulated)",
        ...(scenario.code ? { code: scenario.code } : {}),
      });
    }
    const id = requestId();
    return sendJson(res, scenario.status ?? 200, api === "flow" ? { type: "success", message: id } : { request_id: id, type: "success" });
  });

  return serveOnLoopback(server);
}
