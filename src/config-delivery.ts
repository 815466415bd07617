import { isSupportedCountry } from "libphonenumber-js/max";
import { z } from "zod";
import { localeTemplates } from "./config-sms-message";
import type { SmsProviderName } from "./domain/ports";
import { BUILT_IN_VOICE_TEMPLATES, type VoicePolicy } from "./domain/voice-message";

/** The settings of who carries codes (providers, fallback, voice) and of delivery receipts. See docs/sms.md. */

const optional = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === "" ? undefined : v));
const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const E164 = /^\+[1-9]\d{6,14}$/;
const PAID_PROVIDERS = ["twilio", "sns", "msg91"] as const;

export const DELIVERY_SETTINGS = {
  SMS_PROVIDER: z.enum(["console", ...PAID_PROVIDERS]).default("console"),
  SMS_FALLBACK_PROVIDER: z.enum(["none", ...PAID_PROVIDERS]).default("none"),

  AWS_ACCESS_KEY_ID: optional,
  AWS_SECRET_ACCESS_KEY: optional,
  AWS_REGION: optional.pipe(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-west-1").optional()),
  SNS_SENDER_ID: optional.pipe(z.string().regex(/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/, "must be 1-11 letters and digits, at least one letter").optional()),
  SNS_ORIGINATION_NUMBER: optional.pipe(z.string().regex(E164, "must be an E.164 number such as +12065550100").optional()),
  SNS_MAX_PRICE_USD: optional.pipe(z.string().regex(/^\d{1,3}(\.\d{1,5})?$/, "must be a price in USD such as 0.05").optional()),
  // India's DLT registration (TRAI): the principal entity id and the registered template's id.
  SNS_ENTITY_ID: optional.pipe(z.string().regex(/^\d{1,30}$/, "must be the DLT principal entity id (digits)").optional()),
  SNS_TEMPLATE_ID: optional.pipe(z.string().regex(/^\d{1,30}$/, "must be the DLT template id (digits)").optional()),
  SNS_API_BASE: optional.pipe(z.url().optional()),
  SNS_TIMEOUT_MS: int(5000, 500, 30000),

  MSG91_AUTH_KEY: optional,
  MSG91_TEMPLATE_ID: optional.pipe(z.string().regex(/^[A-Za-z0-9]{1,64}$/, "must be the template id MSG91 shows (letters and digits)").optional()),
  // The template's variable names, as written in it (##otp## → otp; MSG91 matches them case-sensitively).
  MSG91_CODE_VARIABLE: z.string().trim().regex(/^[A-Za-z0-9_]{1,30}$/, "must be the variable's name in the template (letters, digits, _)").default("otp"),
  MSG91_MINUTES_VARIABLE: optional.pipe(z.string().regex(/^[A-Za-z0-9_]{1,30}$/, "must be the variable's name in the template (letters, digits, _)").optional()),
  MSG91_API_BASE: z.url().default("https://control.msg91.com"),
  MSG91_TIMEOUT_MS: int(5000, 500, 30000),

  VOICE_COUNTRIES_ALLOW: z
    .string()
    .optional()
    .transform((v) => (v ?? "").trim())
    .pipe(
      z.union([
        z.literal(""),
        z.literal("*"),
        z
          .string()
          .regex(/^[A-Z]{2}(,[A-Z]{2})*$/, "must be empty (voice off), * or comma-separated ISO 3166-1 alpha-2 codes (IN,GB)")
          .refine((v) => v.split(",").every((c) => isSupportedCountry(c)), "lists a code that is no country with phone numbers"),
      ]),
    ),
  // Read twice in one call; Twilio takes at most 4,000 characters of TwiML.
  VOICE_TEMPLATES: localeTemplates.refine((t) => Object.values(t).every((text) => text.length <= 300), "each template must be at most 300 characters"),
  TWILIO_VOICE_FROM: optional.pipe(z.string().regex(E164, "must be a Twilio phone number in E.164 (+14155550100)").optional()),
  // true: a call asks for a key press before it says the code, so a voicemail box never records it (needs PUBLIC_URL).
  VOICE_KEYPRESS: z.enum(["true", "false"]).default("false"),
};

/** The parsed settings this module reads: its own (types from DELIVERY_SETTINGS) and a few of config.ts's. */
type Raw = z.output<z.ZodObject<typeof DELIVERY_SETTINGS>> & {
  ENVIRONMENT: string;
  TWILIO_ACCOUNT_SID?: string | undefined;
  TWILIO_AUTH_TOKEN?: string | undefined;
  TWILIO_FROM?: string | undefined;
  TWILIO_MESSAGING_SERVICE_SID?: string | undefined;
  PUBLIC_URL?: string | undefined;
  SMS_APP_NAME?: string | undefined;
  WEBAUTHN_RP_NAME: string;
};

/** Who carries voice codes: null when voice is off. The console provider plays it in development. */
function voiceProvider(v: Raw): "console" | "twilio" | null {
  if (v.VOICE_COUNTRIES_ALLOW === "") return null;
  return v.SMS_PROVIDER === "console" ? "console" : "twilio";
}

/** The caller id of voice codes: TWILIO_VOICE_FROM, else TWILIO_FROM when it is a phone number. */
const voiceFrom = (v: Raw): string | undefined => v.TWILIO_VOICE_FROM ?? (v.TWILIO_FROM && E164.test(v.TWILIO_FROM) ? v.TWILIO_FROM : undefined);

/** Cross-setting rules, each naming the setting to fix. */
export function checkDelivery(v: Raw, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string): void => ctx.addIssue({ code: "custom", path: [path], message });
  const production = v.ENVIRONMENT === "production";
  if (v.SMS_FALLBACK_PROVIDER !== "none" && v.SMS_FALLBACK_PROVIDER === v.SMS_PROVIDER) issue("SMS_FALLBACK_PROVIDER", "must differ from SMS_PROVIDER");
  const used = new Set<string>([v.SMS_PROVIDER, v.SMS_FALLBACK_PROVIDER]);
  const needs = (keys: readonly (keyof Raw)[], why: string): void => {
    for (const key of keys) if (!v[key]) issue(key, `is required when ${why}`);
  };
  for (const [provider, setting] of [[v.SMS_PROVIDER, "SMS_PROVIDER"], [v.SMS_FALLBACK_PROVIDER, "SMS_FALLBACK_PROVIDER"]] as const) {
    const why = `${setting}=${provider}`;
    if (provider === "twilio") {
      needs(["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"], why);
      if (!v.TWILIO_FROM && !v.TWILIO_MESSAGING_SERVICE_SID) issue("TWILIO_FROM", `TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required when ${why}`);
    }
    if (provider === "sns") needs(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"], why);
    if (provider === "msg91") needs(["MSG91_AUTH_KEY", "MSG91_TEMPLATE_ID"], why);
  }
  if (voiceProvider(v) === "twilio") {
    needs(["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"], "VOICE_COUNTRIES_ALLOW is set");
    // Twilio fetches the code's words from PUBLIC_URL once a key is pressed.
    if (v.VOICE_KEYPRESS === "true" && !v.PUBLIC_URL) issue("PUBLIC_URL", "is required when VOICE_KEYPRESS=true (Twilio fetches the code's words from it after the key press)");
    if (!voiceFrom(v)) issue("TWILIO_VOICE_FROM", "is required when VOICE_COUNTRIES_ALLOW is set (a Twilio number to call from), unless TWILIO_FROM is a phone number");
  }
  // Twilio posts receipts (with the recipient's number in the form) to PUBLIC_URL: never in clear text.
  if (production && v.PUBLIC_URL && !v.PUBLIC_URL.startsWith("https://")) issue("PUBLIC_URL", "must be https:// when ENVIRONMENT=production");
  // Credentials travel with every provider call: never in clear text.
  if (production && used.has("sns") && v.SNS_API_BASE && !v.SNS_API_BASE.startsWith("https://")) issue("SNS_API_BASE", "must be https:// when ENVIRONMENT=production");
  if (production && used.has("msg91") && !v.MSG91_API_BASE.startsWith("https://")) issue("MSG91_API_BASE", "must be https:// when ENVIRONMENT=production");
}

export interface DeliveryConfig {
  readonly provider: SmsProviderName;
  readonly fallback: SmsProviderName | null;
  readonly sns: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly region: string;
    readonly senderId: string | undefined;
    readonly originationNumber: string | undefined;
    readonly maxPriceUsd: string | undefined;
    readonly entityId: string | undefined;
    readonly templateId: string | undefined;
    readonly apiBase: string;
    readonly timeoutMs: number;
  } | null;
  readonly msg91: {
    readonly authKey: string;
    readonly templateId: string;
    readonly codeVariable: string;
    readonly minutesVariable: string | undefined;
    readonly apiBase: string;
    readonly timeoutMs: number;
  } | null;
  readonly voice: {
    readonly provider: "console" | "twilio";
    readonly from: string;
    readonly policy: VoicePolicy;
    /** VOICE_KEYPRESS with Twilio: where the key press fetches the code's words (PUBLIC_URL + /webhooks/twilio/voice); null: the call says the code at once. */
    readonly keypressUrl: string | null;
  } | null;
  /** Where Twilio posts delivery receipts (PUBLIC_URL + /webhooks/twilio/status); null: no receipts asked for. */
  readonly statusCallbackUrl: string | null;
}

export const STATUS_CALLBACK_PATH = "/webhooks/twilio/status";
export const VOICE_KEYPRESS_PATH = "/webhooks/twilio/voice";

export function deliveryConfig(v: Raw): DeliveryConfig {
  const used = new Set<string>([v.SMS_PROVIDER, v.SMS_FALLBACK_PROVIDER]);
  const voice = voiceProvider(v);
  if (voice) used.add(voice);
  const region = v.AWS_REGION ?? "";
  const templates = Object.fromEntries(Object.entries({ ...BUILT_IN_VOICE_TEMPLATES, ...v.VOICE_TEMPLATES }).map(([tag, text]) => [tag.toLowerCase(), text]));
  return {
    provider: v.SMS_PROVIDER,
    fallback: v.SMS_FALLBACK_PROVIDER === "none" ? null : v.SMS_FALLBACK_PROVIDER,
    sns: used.has("sns")
      ? {
          accessKeyId: v.AWS_ACCESS_KEY_ID ?? "",
          secretAccessKey: v.AWS_SECRET_ACCESS_KEY ?? "",
          region,
          senderId: v.SNS_SENDER_ID,
          originationNumber: v.SNS_ORIGINATION_NUMBER,
          maxPriceUsd: v.SNS_MAX_PRICE_USD,
          entityId: v.SNS_ENTITY_ID,
          templateId: v.SNS_TEMPLATE_ID,
          apiBase: (v.SNS_API_BASE ?? `https://sns.${region}.amazonaws.com`).replace(/\/+$/, ""),
          timeoutMs: v.SNS_TIMEOUT_MS,
        }
      : null,
    msg91: used.has("msg91")
      ? {
          authKey: v.MSG91_AUTH_KEY ?? "",
          templateId: v.MSG91_TEMPLATE_ID ?? "",
          codeVariable: v.MSG91_CODE_VARIABLE,
          minutesVariable: v.MSG91_MINUTES_VARIABLE,
          apiBase: v.MSG91_API_BASE.replace(/\/+$/, ""),
          timeoutMs: v.MSG91_TIMEOUT_MS,
        }
      : null,
    voice: voice
      ? {
          provider: voice,
          from: voiceFrom(v) ?? "",
          policy: { allowCountries: v.VOICE_COUNTRIES_ALLOW === "*" ? null : v.VOICE_COUNTRIES_ALLOW.split(","), templates, appName: v.SMS_APP_NAME ?? v.WEBAUTHN_RP_NAME },
          keypressUrl: voice === "twilio" && v.VOICE_KEYPRESS === "true" && v.PUBLIC_URL ? `${v.PUBLIC_URL.replace(/\/+$/, "")}${VOICE_KEYPRESS_PATH}` : null,
        }
      : null,
    statusCallbackUrl: used.has("twilio") && v.PUBLIC_URL ? `${v.PUBLIC_URL.replace(/\/+$/, "")}${STATUS_CALLBACK_PATH}` : null,
  };
}
