/**
 * A local stand-in for AWS SNS's Query API `Publish` to a phone number that
 * speaks its wire format and checks AWS Signature Version 4 on its own
 * (node:crypto only, so it is an independent check of our signer, aws4fetch):
 *
 *   POST / (https://sns.{region}.amazonaws.com/), Content-Type
 *   application/x-www-form-urlencoded; charset=utf-8, Authorization
 *   AWS4-HMAC-SHA256 Credential=KEY/YYYYMMDD/{region}/sns/aws4_request,
 *   SignedHeaders=host;x-amz-date[;…], Signature=hex, and the form
 *   Action=Publish&Version=2010-03-31&PhoneNumber=+E164&Message=…
 *   &MessageAttributes.entry.N.Name=AWS.SNS.SMS.SMSType
 *   &MessageAttributes.entry.N.Value.DataType=String
 *   &MessageAttributes.entry.N.Value.StringValue=Transactional
 *
 * Answers as SNS does (text/xml, x-amzn-RequestId header):
 *   200 <PublishResponse><PublishResult><MessageId/></PublishResult><ResponseMetadata><RequestId/>…
 *   4xx/5xx <ErrorResponse><Error><Type>Sender|Receiver</Type><Code/><Message/></Error><RequestId/>…
 * Codes and statuses are those of botocore's SNS model (InvalidParameter 400,
 * AuthorizationError 403, Throttled 429, InternalError 500, OptedOut 400…) and
 * of AWS's common errors (SignatureDoesNotMatch 403, InvalidClientTokenId 403,
 * MissingAuthenticationToken 403, IncompleteSignature 400, InvalidAction 400).
 *
 * Control endpoints (test only, unsigned):
 *   POST /__scenario  {"to":"+E164","status":400,"code":"InvalidParameter","delayMs":0}
 *   GET  /__messages?to=+E164 → {"messages":[{PhoneNumber,Message,attributes,signedHeaders}]}
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { playScenario, readBody, serveOnLoopback } from "./fake-server";

export interface FakeSnsOptions {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** The fake's clock (ms); default Date.now. Requests whose X-Amz-Date is more than 5 minutes from it are refused like AWS does (403 SignatureDoesNotMatch "Signature expired"). */
  now?: () => number;
}

export interface FakeSns {
  url: string;
  server: Server;
  close(): Promise<void>;
}

interface Scenario {
  status?: number;
  code?: string;
  message?: string;
  delayMs?: number;
}

interface Received {
  PhoneNumber: string;
  Message: string;
  attributes: Record<string, string>;
  signedHeaders: string[];
  /** The MessageId the fake answered with. */
  MessageId?: string;
}

/** The namespace of SNS's answers: botocore's model `xmlNamespace`, and what the live service sends (AWS's doc examples show https://…). */
const SNS_XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";
const SKEW_MS = 5 * 60_000;
const DEFAULT_CODES: Record<number, string> = { 400: "InvalidParameter", 403: "AuthorizationError", 404: "NotFound", 429: "Throttled", 500: "InternalError", 503: "ServiceUnavailable" };

const sha256Hex = (data: string): string => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();
/** RFC 3986 percent-encoding: encodeURIComponent plus the five characters it leaves alone. */
const uriEncode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `20150830T123600Z` for a time in ms. */
function toAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, "");
}

/** Pure SigV4 helpers used by the fake, written with node:crypto only (NOT aws4fetch, so the fake is an independent check of our signer). */
export function sigV4Signature(input: { method: string; path: string; query: string; headers: Record<string, string>; signedHeaders: string[]; payload: string; amzDate: string; region: string; service: string; secretAccessKey: string }): string {
  const lower = new Map(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const names = input.signedHeaders.map((h) => h.toLowerCase()).sort();
  // Non-S3 services: the path as sent (encoded once) is encoded once more, segment by segment.
  const canonicalUri = input.path.replace(/\/+/g, "/").split("/").map((seg) => uriEncode(seg)).join("/");
  const canonicalQuery = [...new URLSearchParams(input.query)]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = names.map((n) => `${n}:${(lower.get(n) ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const canonicalRequest = [input.method.toUpperCase(), canonicalUri, canonicalQuery, canonicalHeaders, names.join(";"), sha256Hex(input.payload)].join("\n");
  const scope = `${input.amzDate.slice(0, 8)}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", input.amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const kDate = hmac(`AWS4${input.secretAccessKey}`, input.amzDate.slice(0, 8));
  const kSigning = hmac(hmac(hmac(kDate, input.region), input.service), "aws4_request");
  return hmac(kSigning, stringToSign).toString("hex");
}

const xmlEscape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function sendXml(res: ServerResponse, status: number, requestId: string, xml: string): void {
  res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": requestId });
  res.end(xml);
}

function awsError(res: ServerResponse, status: number, code: string, message: string): void {
  const requestId = randomUUID();
  const type = status >= 500 ? "Receiver" : "Sender";
  sendXml(res, status, requestId, `<ErrorResponse xmlns="${SNS_XMLNS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(code)}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`);
}

/** Each header as sent, duplicates joined with "," as SigV4 canonicalises them. */
function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!.trim();
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

type AuthResult = { ok: true; signedHeaders: string[] } | { ok: false; status: number; code: string; message: string };
const refuse = (status: number, code: string, message: string): AuthResult => ({ ok: false, status, code, message });
const MISMATCH = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

function verify(opts: FakeSnsOptions, req: IncomingMessage, url: URL, body: string): AuthResult {
  const headers = headerMap(req);
  const auth = headers.authorization;
  if (!auth) return refuse(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
  const m = /^AWS4-HMAC-SHA256 (.*)$/.exec(auth);
  const parts = new Map((m?.[1] ?? "").split(",").map((p) => p.trim().split("=", 2) as [string, string | undefined]));
  const credential = parts.get("Credential")?.split("/");
  const signedHeaders = parts.get("SignedHeaders")?.split(";").filter(Boolean);
  const signature = parts.get("Signature");
  if (!m || credential?.length !== 5 || !signedHeaders || !signature) {
    return refuse(400, "IncompleteSignature", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters (AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…).");
  }
  const amzDate = headers["x-amz-date"];
  if (!amzDate) return refuse(400, "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) return refuse(400, "IncompleteSignature", `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
  const [accessKeyId, scopeDate, region, service, terminator] = credential as [string, string, string, string, string];
  if (accessKeyId !== opts.accessKeyId || headers["x-amz-security-token"] !== undefined) {
    return refuse(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  }
  if (scopeDate !== amzDate.slice(0, 8)) return refuse(403, "SignatureDoesNotMatch", `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
  if (region !== opts.region) return refuse(403, "SignatureDoesNotMatch", `Credential should be scoped to a valid region, not '${region}'.`);
  if (service !== "sns") return refuse(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sns'.");
  if (terminator !== "aws4_request") return refuse(403, "SignatureDoesNotMatch", "Credential should be scoped with a valid terminator: 'aws4_request'.");
  if (!signedHeaders.includes("host")) return refuse(403, "SignatureDoesNotMatch", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  if (!signedHeaders.includes("x-amz-date")) return refuse(403, "SignatureDoesNotMatch", "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");

  const now = (opts.now ?? Date.now)();
  const sent = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (sent < now - SKEW_MS) return refuse(403, "SignatureDoesNotMatch", `Signature expired: ${amzDate} is now earlier than ${toAmzDate(now - SKEW_MS)} (${toAmzDate(now)} - 5 min.)`);
  if (sent > now + SKEW_MS) return refuse(403, "SignatureDoesNotMatch", `Signature not yet current: ${amzDate} is still later than ${toAmzDate(now + SKEW_MS)} (${toAmzDate(now)} + 5 min.)`);

  const expected = sigV4Signature({ method: req.method ?? "", path: url.pathname, query: url.search.slice(1), headers, signedHeaders, payload: body, amzDate, region, service, secretAccessKey: opts.secretAccessKey });
  const given = Buffer.from(signature.toLowerCase());
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) return refuse(403, "SignatureDoesNotMatch", MISMATCH);
  return { ok: true, signedHeaders };
}

type Parsed = { ok: true; message: Omit<Received, "signedHeaders"> } | { ok: false; status: number; code: string; message: string };
const invalid = (message: string): Parsed => ({ ok: false, status: 400, code: "InvalidParameter", message });

function parsePublish(form: URLSearchParams): Parsed {
  const action = form.get("Action");
  if (!action) return { ok: false, status: 400, code: "MissingAction", message: "The request must contain the parameter Action." };
  if (action !== "Publish") return { ok: false, status: 400, code: "InvalidAction", message: `The action ${action} is not valid for this web service.` };
  if (form.get("Version") !== "2010-03-31") return { ok: false, status: 400, code: "InvalidAction", message: `Could not find operation ${action} for version ${form.get("Version") ?? "NO_VERSION_SPECIFIED"}` };
  const phone = form.get("PhoneNumber");
  if (!phone) return invalid("Invalid parameter: PhoneNumber Reason: no value for required parameter");
  if (!/^\+[1-9]\d{6,14}$/.test(phone)) return invalid(`Invalid parameter: PhoneNumber Reason: ${phone} is not valid to publish to`);
  const text = form.get("Message");
  if (!text) return invalid("Invalid parameter: Empty message");

  const attributes: Record<string, string> = {};
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    const name = form.get(`${prefix}.Name`)!;
    const type = form.get(`${prefix}.Value.DataType`);
    const value = form.get(`${prefix}.Value.StringValue`);
    const reason = `Invalid parameter: MessageAttributes Reason: the message attribute '${name}'`;
    // String and Number carry their value in StringValue (AWS.SNS.SMS.MaxPrice is a Number); Binary and String.Array are not modelled.
    if (type !== "String" && type !== "Number") return invalid(`${reason} has an invalid message attribute type '${type ?? ""}'.`);
    if (value === null || value === "") return invalid(`${reason} must contain a non-empty message attribute value for message attribute type '${type}'.`);
    if (type === "Number" && !/^-?\d+(\.\d+)?$/.test(value)) return invalid(`${reason} with type 'Number' must be a valid number.`);
    if (name !== "AWS.SNS.SMS.MaxPrice" && name.startsWith("AWS.") && type !== "String") return invalid(`${reason} must be of type 'String'.`);
    // AWS documents MaxPrice as a Number attribute.
    if (name === "AWS.SNS.SMS.MaxPrice" && type !== "Number") return invalid(`${reason} must be of type 'Number'.`);
    attributes[name] = value;
  }
  const smsType = attributes["AWS.SNS.SMS.SMSType"];
  if (smsType !== undefined && smsType !== "Promotional" && smsType !== "Transactional") {
    return invalid(`Invalid parameter: MessageAttributes Reason: AWS.SNS.SMS.SMSType must be Promotional or Transactional, not '${smsType}'.`);
  }
  return { ok: true, message: { PhoneNumber: phone, Message: text, attributes } };
}

export async function startFakeSns(opts: FakeSnsOptions): Promise<FakeSns> {
  const scenarios = new Map<string, Scenario>();
  const received: Received[] = [];

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const raw = await readBody(req);

    if (url.pathname === "/__scenario" && req.method === "POST") {
      const { to, ...scenario } = JSON.parse(raw) as Scenario & { to: string };
      scenarios.set(to, scenario);
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === "/__messages" && req.method === "GET") {
      const to = url.searchParams.get("to");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ messages: received.filter((m) => m.PhoneNumber === to) }));
      return;
    }

    if (req.method !== "POST" || url.pathname !== "/") {
      return awsError(res, 400, "InvalidAction", `This fake serves only POST / (got ${req.method ?? "?"} ${url.pathname}).`);
    }
    const auth = verify(opts, req, url, raw);
    if (!auth.ok) return awsError(res, auth.status, auth.code, auth.message);
    // Anything but a form body leaves no parameters: AWS then finds no Action.
    const isForm = (req.headers["content-type"] ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
    const parsed = parsePublish(new URLSearchParams(isForm ? raw : ""));
    if (!parsed.ok) return awsError(res, parsed.status, parsed.code, parsed.message);

    const message: Received = { ...parsed.message, signedHeaders: auth.signedHeaders, MessageId: randomUUID() };
    const scenario = scenarios.get(message.PhoneNumber) ?? {};
    const outcome = await playScenario(scenario, res, () => received.push(message));
    if (outcome === "gone") return;
    if (outcome === "refused") {
      const status = scenario.status!;
      return awsError(res, status, scenario.code ?? DEFAULT_CODES[status] ?? "InternalError", scenario.message ?? "Simulated failure");
    }
    const requestId = randomUUID();
    sendXml(res, 200, requestId, `<PublishResponse xmlns="${SNS_XMLNS}">\n  <PublishResult>\n    <MessageId>${message.MessageId}</MessageId>\n  </PublishResult>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</PublishResponse>\n`);
  });

  return serveOnLoopback(server);
}
