/**
 * A local stand-in for Twilio's Lookup v2 API that speaks its wire format:
 * GET /v2/PhoneNumbers/{PhoneNumber}?Fields=line_type_intelligence with HTTP
 * Basic auth (Account SID : Auth Token). The number in the path is the
 * URL-encoded E.164 form (%2B…; a raw "+" is accepted too, as Twilio does);
 * a number without "+" is read in national format for the CountryCode query
 * parameter (default US, as Twilio documents). It answers like Twilio:
 *  - 200 + the PhoneNumber JSON (every package Twilio knows, null unless
 *    requested; only line_type_intelligence is implemented);
 *  - 200 + "valid": false and validation_errors for an invalid number (no
 *    package data then, as Twilio returns none for invalid numbers);
 *  - Twilio's error JSON {code, message, more_info, status} for wrong or
 *    missing credentials (401/20003), another method (405/20004), another
 *    path (404/20404), or a scenario's error.
 * Validity, country and national format come from libphonenumber's full
 * metadata, which is what Twilio's validation is built on.
 *
 * Control endpoints (test only):
 *   POST /__scenario  {"phone":"+E164","type":"nonFixedVoip"}
 *                     {"phone":"+E164","status":503,"code":20500}
 *                     {"phone":"+E164","delayMs":3000}
 *                     {"phone":"+E164","errorCode":60601}  (package-level error)
 *                     (fields combine; a new scenario replaces the phone's old one)
 *   GET  /__lookups?phone=+E164  → {"count": n}: authenticated lookups of that
 *                     number that reached the resource (errors and slow answers
 *                     included: counted when received, before any delay).
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import { readBody, sendJson, serveOnLoopback } from "./fake-server";
import { parsePhoneNumberWithError, validatePhoneNumberLength, type CountryCode } from "libphonenumber-js/max";

export interface FakeLookupOptions {
  accountSid: string;
  authToken: string;
}

/** Twilio's documented line_type_intelligence.type values: the same list the Worker accepts. */
import { LINE_TYPES, type LineType } from "../../src/domain/line-type";
export { LINE_TYPES, type LineType };

/** Types for which Twilio returns no carrier data (carrier_name, MCC and MNC are null). */
const NO_CARRIER_DATA: ReadonlySet<LineType> = new Set([
  "personal",
  "tollFree",
  "premium",
  "sharedCost",
  "uan",
  "voicemail",
  "pager",
  "unknown",
]);

/** Every data package Twilio lists for the Fields parameter; each is a top-level key of the answer. */
const PACKAGES = [
  "caller_name",
  "sim_swap",
  "call_forwarding",
  "line_status",
  "line_type_intelligence",
  "identity_match",
  "reassigned_number",
  "sms_pumping_risk",
  "phone_number_quality_score",
  "pre_fill",
] as const;

const VALIDATION_ERRORS = {
  TOO_SHORT: "TOO_SHORT",
  TOO_LONG: "TOO_LONG",
  INVALID_LENGTH: "INVALID_LENGTH",
  INVALID_COUNTRY: "INVALID_COUNTRY_CODE",
  NOT_A_NUMBER: "NOT_A_NUMBER",
} as const;

const ERROR_MESSAGES: Record<number, string> = {
  20003: "Authenticate",
  20004: "Method not allowed",
  20404: "The requested resource was not found",
  20429: "Too Many Requests",
  20500: "Internal Server Error",
  20503: "Service Unavailable",
};

/** A plausible home network per country for mobile answers; 001/01 (the test network) elsewhere. */
const MCC: Record<string, string> = { US: "310", CA: "302", GB: "234", IN: "404", FR: "208", DE: "262", ES: "214", IT: "222", BR: "724", NG: "621" };

interface Scenario {
  type?: LineType;
  status?: number;
  code?: number;
  delayMs?: number;
  errorCode?: number;
}

export interface FakeLookup {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function twilioError(res: ServerResponse, status: number, code: number, message?: string): void {
  sendJson(res, status, {
    code,
    message: message ?? ERROR_MESSAGES[code] ?? "Unknown error (simulated)",
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  });
}

/** A "+" read from a query string arrives as a space: `?phone=+1…` means +1…. */
function queryPhone(url: URL): string {
  return (url.searchParams.get("phone") ?? "").replace(/^ /, "+");
}

interface Parsed {
  valid: boolean;
  e164: string;
  country: string | null;
  callingCode: string | null;
  national: string | null;
  errors: string[] | null;
}

/** What Twilio's free validation says about the number (libphonenumber rules). */
function validate(input: string, countryCode: string | null): Parsed {
  const region = (countryCode ?? "US").toUpperCase() as CountryCode;
  const lengthError = input.startsWith("+") ? validatePhoneNumberLength(input) : validatePhoneNumberLength(input, region);
  const invalid = (errors: string[]): Parsed => ({ valid: false, e164: input, country: null, callingCode: null, national: null, errors });
  if (lengthError) return invalid([VALIDATION_ERRORS[lengthError]]);
  let phone;
  try {
    phone = input.startsWith("+") ? parsePhoneNumberWithError(input) : parsePhoneNumberWithError(input, region);
  } catch {
    return invalid(["NOT_A_NUMBER"]);
  }
  if (!phone.isValid()) return invalid(["INVALID_BUT_POSSIBLE"]);
  return {
    valid: true,
    e164: phone.number,
    country: phone.country ?? null,
    callingCode: phone.countryCallingCode,
    national: phone.formatNational(),
    errors: null,
  };
}

function lineTypeIntelligence(type: LineType, country: string | null, errorCode: number | undefined): Record<string, unknown> {
  if (errorCode !== undefined) {
    return { carrier_name: null, error_code: errorCode, mobile_country_code: null, mobile_network_code: null, type: null };
  }
  if (NO_CARRIER_DATA.has(type)) {
    return { carrier_name: null, error_code: null, mobile_country_code: null, mobile_network_code: null, type };
  }
  const carriers: Record<string, string> = {
    mobile: "Fake Mobile Wireless",
    landline: "Fake Telecom - Landline",
    fixedVoip: "Fake Voice - Fixed VoIP",
    nonFixedVoip: "Fake Cloud Numbers - SVR",
  };
  return {
    carrier_name: carriers[type] ?? null,
    error_code: null,
    mobile_country_code: (country && MCC[country]) || "001",
    mobile_network_code: type === "mobile" ? "01" : "99",
    type,
  };
}

/** A free loopback port, never Redis's 6379 (the ephemeral range excludes it; this makes sure). */
export async function startFakeLookup(opts: FakeLookupOptions): Promise<FakeLookup> {
  const scenarios = new Map<string, Scenario>();
  const lookups = new Map<string, number>();
  const expectedAuth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString("base64")}`;
  const prefix = "/v2/PhoneNumbers/";

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const raw = await readBody(req);

    if (url.pathname === "/__scenario" && req.method === "POST") {
      let body: Scenario & { phone?: unknown };
      try {
        body = JSON.parse(raw) as Scenario & { phone?: unknown };
      } catch {
        return sendJson(res, 400, { error: "scenario body must be JSON" });
      }
      const { phone, ...scenario } = body;
      if (typeof phone !== "string" || !phone.startsWith("+")) return sendJson(res, 400, { error: "phone must be +E164" });
      if (scenario.type !== undefined && !LINE_TYPES.includes(scenario.type)) {
        return sendJson(res, 400, { error: `type must be one of ${LINE_TYPES.join(", ")}` });
      }
      scenarios.set(phone, scenario);
      return sendJson(res, 204, {});
    }
    if (url.pathname === "/__lookups" && req.method === "GET") {
      return sendJson(res, 200, { count: lookups.get(queryPhone(url)) ?? 0 });
    }

    // Twilio routes on the path first: a resource it does not have is a 404
    // whatever the credentials.
    const segment = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : "";
    if (!segment || segment.includes("/")) return twilioError(res, 404, 20404);
    if (req.headers.authorization !== expectedAuth) return twilioError(res, 401, 20003);
    if (req.method !== "GET") return twilioError(res, 405, 20004);

    let input: string;
    try {
      input = decodeURIComponent(segment);
    } catch {
      return twilioError(res, 404, 20404);
    }
    const fields = (url.searchParams.get("Fields") ?? "")
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean);
    const number = validate(input, url.searchParams.get("CountryCode"));
    lookups.set(number.e164, (lookups.get(number.e164) ?? 0) + 1);

    const scenario = scenarios.get(number.e164) ?? {};
    if (scenario.delayMs) await new Promise((r) => setTimeout(r, scenario.delayMs));
    if (res.destroyed) return;
    if (scenario.status !== undefined && scenario.status >= 400) {
      return twilioError(res, scenario.status, scenario.code ?? 20500);
    }

    const packages: Record<string, unknown> = Object.fromEntries(PACKAGES.map((p) => [p, null]));
    // Only valid numbers return package data.
    if (number.valid && fields.includes("line_type_intelligence")) {
      packages.line_type_intelligence = lineTypeIntelligence(scenario.type ?? "mobile", number.country, scenario.errorCode);
    }
    return sendJson(res, 200, {
      calling_country_code: number.callingCode,
      country_code: number.country,
      phone_number: number.e164,
      national_format: number.national,
      valid: number.valid,
      validation_errors: number.errors,
      ...packages,
      url: `https://lookups.twilio.com/v2/PhoneNumbers/${number.e164}`,
    });
  });

  return serveOnLoopback(server);
}
