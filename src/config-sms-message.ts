import { z } from "zod";
import type { MessagePolicy } from "./domain/sms-message";
import { canonicalLocale } from "./lib/languages";

/** `{"en":"…","pt-BR":"…"}`: each key a BCP 47 tag (stored canonical), each text with `{code}`. */
export const localeTemplates = z
  .string()
  .trim()
  .default("")
  .transform((text, ctx): Record<string, string> => {
    if (text === "") return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: "custom", message: 'must be a JSON object such as {"en":"Your code is {code}","hi":"…"}' });
      return z.NEVER;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      ctx.addIssue({ code: "custom", message: "must be a JSON object keyed by language tag" });
      return z.NEVER;
    }
    const out: Record<string, string> = {};
    for (const [tag, value] of Object.entries(parsed)) {
      const canonical = canonicalLocale(tag);
      if (!canonical) ctx.addIssue({ code: "custom", message: `"${tag.slice(0, 40)}" is not a BCP 47 language tag` });
      else if (typeof value !== "string" || !value.includes("{code}")) ctx.addIssue({ code: "custom", message: `the "${canonical}" template must be a string containing {code}` });
      else out[canonical] = value;
    }
    return out;
  });

/** The settings of the code message's text and autofill lines (src/domain/sms-message.ts). */
export const SMS_MESSAGE_SETTINGS = {
  SMS_TEMPLATES: localeTemplates,
  SMS_APP_NAME: z
    .string()
    .trim()
    .max(40)
    .optional()
    .transform((v) => (v === "" ? undefined : v)),
  SMS_ORIGIN_BOUND_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .refine((v) => v === undefined || v === "" || /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(v), "must be a host name such as app.example.com (no scheme, port or path)"),
  ANDROID_SMS_HASH: z
    .string()
    .trim()
    .optional()
    .refine((v) => v === undefined || v === "" || /^[A-Za-z0-9+/]{11}$/.test(v), "must be the 11-character app hash (letters, digits, + and /)"),
};

type Raw = { SMS_TEMPLATE: string; SMS_TEMPLATES: Record<string, string>; SMS_APP_NAME?: string | undefined; SMS_ORIGIN_BOUND_DOMAIN?: string | undefined; ANDROID_SMS_HASH?: string | undefined; WEBAUTHN_RP_NAME: string };

/** The message policy from parsed settings; `{app}` defaults to the passkey relying party's name. */
export function messagePolicy(v: Raw): MessagePolicy {
  return {
    template: v.SMS_TEMPLATE,
    // Looked up case-insensitively: lowercased once here, not per message.
    templates: Object.fromEntries(Object.entries(v.SMS_TEMPLATES).map(([tag, text]) => [tag.toLowerCase(), text])),
    appName: v.SMS_APP_NAME ?? v.WEBAUTHN_RP_NAME,
    originBoundDomain: v.SMS_ORIGIN_BOUND_DOMAIN || null,
    androidHash: v.ANDROID_SMS_HASH || null,
  };
}
