import { fillTemplate, matchTemplate, minutesOf } from "./templates";

/**
 * The text of a code message: a template per language, and the lines that
 * let phones fill the code in by themselves. Pure; no storage.
 *
 * - Templates: `{code}`, `{minutes}` and `{app}`, one per BCP 47 language
 *   (SMS_TEMPLATES), chosen from the person's languages in order (the
 *   request's `locale`, or the account's, then Accept-Language); an exact
 *   tag wins over its language alone ("pt-BR", then "pt"); else SMS_TEMPLATE.
 * - Android SMS Retriever (ANDROID_SMS_HASH): the app's 11-character hash
 *   ends the message, on its own line.
 * - WebOTP / iOS domain-bound codes (SMS_ORIGIN_BOUND_DOMAIN): the last line
 *   is `@domain #code`. With both, the hash goes on the line before it: the
 *   origin-bound line must be the last one, and Google's rule asks only that
 *   the message include the hash.
 */
export interface MessagePolicy {
  /** SMS_TEMPLATE: the fallback. */
  template: string;
  /** SMS_TEMPLATES, keyed by BCP 47 tag in lower case (canonical, then lowercased). */
  templates: Readonly<Record<string, string>>;
  /** `{app}`: SMS_APP_NAME. */
  appName: string;
  /** SMS_ORIGIN_BOUND_DOMAIN (a host name), or null. */
  originBoundDomain: string | null;
  /** ANDROID_SMS_HASH (11 characters), or null. */
  androidHash: string | null;
}

/** The template for the first of `languages` that has one (exact tag, then its language), else the fallback. */
export function chooseTemplate(policy: MessagePolicy, languages: readonly string[]): string {
  return matchTemplate(policy.templates, languages)?.text ?? policy.template;
}

/** The whole message for `code`. Only the SMS body ever holds the plaintext code. */
export function composeSms(policy: MessagePolicy, languages: readonly string[], code: string, ttlSeconds: number): string {
  const lines = [fillTemplate(chooseTemplate(policy, languages), { code, minutes: minutesOf(ttlSeconds), app: policy.appName })];
  if (policy.androidHash) lines.push(policy.androidHash);
  if (policy.originBoundDomain) lines.push(`@${policy.originBoundDomain} #${code}`);
  return lines.join("\n");
}
