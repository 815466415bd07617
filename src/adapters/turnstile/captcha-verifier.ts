import type { CaptchaVerdict, CaptchaVerifier } from "../../domain/bot-check";

export interface TurnstileOptions {
  secretKey: string;
  /** https://challenges.cloudflare.com/turnstile/v0/siteverify in production; a local fake in tests. */
  verifyUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

interface SiteverifyBody {
  success?: unknown;
  hostname?: unknown;
  action?: unknown;
  "error-codes"?: unknown;
}

/**
 * Cloudflare Turnstile siteverify over fetch: POST form-encoded `secret` and
 * `response`. A verdict is whatever siteverify answered; no answer in time,
 * an error status or a body that is not its JSON throws (the caller fails
 * closed). Tokens are single use at Cloudflare, so a replay is refused there.
 */
export class TurnstileVerifier implements CaptchaVerifier {
  private readonly fetcher: typeof fetch;

  constructor(private readonly opts: TurnstileOptions) {
    this.fetcher = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  async verify(token: string): Promise<CaptchaVerdict> {
    const res = await this.fetcher(this.opts.verifyUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ secret: this.opts.secretKey, response: token }).toString(),
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`siteverify answered ${res.status}`);
    }
    const body = (await res.json()) as SiteverifyBody;
    if (typeof body.success !== "boolean") throw new Error("siteverify answer has no success flag");
    const codes = Array.isArray(body["error-codes"]) ? body["error-codes"].filter((c): c is string => typeof c === "string") : [];
    return {
      success: body.success,
      hostname: typeof body.hostname === "string" ? body.hostname : null,
      action: typeof body.action === "string" ? body.action : null,
      errorCodes: codes,
    };
  }
}
