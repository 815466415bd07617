/**
 * A local stand-in for Twilio's Messages and Calls APIs that speaks their
 * wire format: POST /2010-04-01/Accounts/{AccountSid}/Messages.json (To,
 * From or MessagingServiceSid, Body, optional StatusCallback) and
 * …/Calls.json (To, From, Twiml or Url, optional StatusCallback), with HTTP
 * Basic auth and a form-encoded body. It checks every part, answers like
 * Twilio (201 + resource JSON, or Twilio's error JSON), and can be told per
 * recipient to fail or to stall.
 *
 * Control endpoints (test only):
 *   POST /__scenario  {"to":"+E164","status":400,"code":21211,"delayMs":0}
 *   GET  /__messages?to=+E164   → {"messages":[{To,From,MessagingServiceSid,Body,StatusCallback,Sid}]}
 *   GET  /__calls?to=+E164      → {"calls":[{To,From,Twiml,StatusCallback,Sid}]}
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import { playScenario, readBody, sendJson, serveOnLoopback } from "./fake-server";

export interface FakeTwilioOptions {
  accountSid: string;
  authToken: string;
}

interface Scenario {
  status?: number;
  code?: number;
  delayMs?: number;
}

interface Received {
  To: string | null;
  From: string | null;
  MessagingServiceSid: string | null;
  Body: string | null;
  StatusCallback: string | null;
  Sid: string;
}

interface ReceivedCall {
  To: string | null;
  From: string | null;
  Twiml: string | null;
  StatusCallback: string | null;
  Sid: string;
}

const newSid = (prefix: string): string => prefix + [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");

export interface FakeTwilio {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function twilioError(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

export async function startFakeTwilio(opts: FakeTwilioOptions): Promise<FakeTwilio> {
  const scenarios = new Map<string, Scenario>();
  const received: Received[] = [];
  const calls: ReceivedCall[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString("base64")}`;
  const messagesPath = `/2010-04-01/Accounts/${opts.accountSid}/Messages.json`;
  const callsPath = `/2010-04-01/Accounts/${opts.accountSid}/Calls.json`;

  /** Calls.json: To, From (a number of the account), and Twiml or Url; answers like Twilio's call resource. */
  async function createCall(res: ServerResponse, form: URLSearchParams): Promise<void> {
    const call: ReceivedCall = { To: form.get("To"), From: form.get("From"), Twiml: form.get("Twiml"), StatusCallback: form.get("StatusCallback"), Sid: newSid("CA") };
    if (!call.To) return twilioError(res, 400, 21201, "No 'To' number is specified");
    if (!call.From) return twilioError(res, 400, 21213, "No 'From' number is specified");
    if (!/^\+[1-9]\d{6,14}$/.test(call.From)) return twilioError(res, 400, 21212, "Invalid 'From' Phone Number");
    if (!call.Twiml && !form.get("Url")) return twilioError(res, 400, 21205, "Url parameter is required.");
    if (call.Twiml && !/^(<\?xml[^>]*\?>)?<Response>[\s\S]*<\/Response>$/.test(call.Twiml)) return twilioError(res, 400, 13201, "Invalid TwiML");
    const scenario = scenarios.get(call.To) ?? {};
    const outcome = await playScenario(scenario, res, () => calls.push(call));
    if (outcome === "gone") return;
    if (outcome === "refused") return twilioError(res, scenario.status!, scenario.code ?? 13227, "Unknown error (simulated)");
    return sendJson(res, 201, {
      sid: call.Sid,
      account_sid: opts.accountSid,
      to: call.To,
      from: call.From,
      status: "queued",
      direction: "outbound-api",
      api_version: "2010-04-01",
      date_created: new Date().toUTCString(),
      uri: `${callsPath.replace(".json", "")}/${call.Sid}.json`,
    });
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const raw = await readBody(req);

    if (url.pathname === "/__scenario" && req.method === "POST") {
      const { to, ...scenario } = JSON.parse(raw) as Scenario & { to: string };
      scenarios.set(to, scenario);
      return sendJson(res, 204, {});
    }
    if (url.pathname === "/__messages" && req.method === "GET") {
      const to = url.searchParams.get("to");
      return sendJson(res, 200, { messages: received.filter((m) => m.To === to) });
    }
    if (url.pathname === "/__calls" && req.method === "GET") {
      const to = url.searchParams.get("to");
      return sendJson(res, 200, { calls: calls.filter((m) => m.To === to) });
    }

    if (req.method !== "POST" || !url.pathname.startsWith("/2010-04-01/Accounts/")) {
      return twilioError(res, 404, 20404, "The requested resource was not found");
    }
    if (req.headers.authorization !== expectedAuth) {
      return twilioError(res, 401, 20003, "Authenticate");
    }
    if (url.pathname !== messagesPath && url.pathname !== callsPath) {
      return twilioError(res, 404, 20404, "The requested resource was not found");
    }
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return twilioError(res, 400, 20001, "Content-Type must be application/x-www-form-urlencoded");
    }
    const form = new URLSearchParams(raw);
    const callback = form.get("StatusCallback");
    if (callback !== null && !/^https?:\/\//.test(callback)) return twilioError(res, 400, 21609, "The StatusCallback URL is not a valid URL.");
    if (url.pathname === callsPath) return createCall(res, form);
    const message: Received = {
      To: form.get("To"),
      From: form.get("From"),
      MessagingServiceSid: form.get("MessagingServiceSid"),
      Body: form.get("Body"),
      StatusCallback: callback,
      Sid: newSid("SM"),
    };
    if (!message.To) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
    if (!message.From && !message.MessagingServiceSid) {
      return twilioError(res, 400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required.");
    }
    if (!message.Body) return twilioError(res, 400, 21602, "Message body is required.");

    const scenario = scenarios.get(message.To) ?? {};
    const outcome = await playScenario(scenario, res, () => received.push(message));
    if (outcome === "gone") return;
    if (outcome === "refused") {
      return twilioError(res, scenario.status!, scenario.code ?? 30008, "Unknown error (simulated)");
    }
    const sid = message.Sid;
    return sendJson(res, 201, {
      sid,
      account_sid: opts.accountSid,
      to: message.To,
      from: message.From,
      messaging_service_sid: message.MessagingServiceSid,
      body: message.Body,
      status: "queued",
      num_segments: "1",
      direction: "outbound-api",
      api_version: "2010-04-01",
      date_created: new Date().toUTCString(),
      uri: `${messagesPath.replace(".json", "")}/${sid}.json`,
    });
  });

  return serveOnLoopback(server);
}
