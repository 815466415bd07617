import { LINE_TYPES, LookupFailed, type LineType, type LineTypeLookup } from "../../domain/line-type";

export interface TwilioLookupOptions {
  accountSid: string;
  authToken: string;
  /** https://lookups.twilio.com in production; a local fake in tests. */
  apiBase: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

interface LookupBody {
  valid?: unknown;
  line_type_intelligence?: { type?: unknown; error_code?: unknown } | null;
}

/**
 * Twilio Lookup v2 line type intelligence over fetch:
 * GET /v2/PhoneNumbers/{E.164}?Fields=line_type_intelligence with Basic auth.
 * Any answer but 200, and no answer in time, is a LookupFailed (the caller's
 * LOOKUP_FAILURE_POLICY decides); a 200 that names no known type is `unknown`.
 */
export class TwilioLineTypeLookup implements LineTypeLookup {
  private readonly fetcher: typeof fetch;

  constructor(private readonly opts: TwilioLookupOptions) {
    this.fetcher = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  async lookup(e164: string): Promise<LineType> {
    const { accountSid, authToken, apiBase, timeoutMs } = this.opts;
    const url = `${apiBase}/v2/PhoneNumbers/${encodeURIComponent(e164)}?Fields=line_type_intelligence`;
    let res: Response;
    try {
      res = await this.fetcher(url, {
        headers: { authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}`, accept: "application/json" },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new LookupFailed(timedOut ? "timeout" : "network");
    }
    let body: LookupBody & { code?: unknown } = {};
    try {
      body = (await res.json()) as LookupBody & { code?: unknown };
    } catch {
      if (res.ok) throw new LookupFailed("unreadable_answer", res.status);
    }
    if (!res.ok) {
      // Only Twilio's numeric code is kept for the log, never its message text.
      const code = typeof body.code === "number" && Number.isInteger(body.code) ? body.code : undefined;
      throw new LookupFailed(`provider_${res.status}`, res.status, code);
    }
    const type = body.line_type_intelligence?.type;
    return typeof type === "string" && (LINE_TYPES as readonly string[]).includes(type) ? (type as LineType) : "unknown";
  }
}
