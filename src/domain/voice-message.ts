import type { Phone } from "./phone";
import type { VoiceMessage } from "./ports";
import { fillTemplate, matchTemplate, minutesOf } from "./templates";

/**
 * Codes read aloud (channel "voice"). Pure; no storage.
 *
 * - Off until an operator lists countries (VOICE_COUNTRIES_ALLOW): a call
 *   costs many times an SMS, and call pumping pays the fraudster per minute.
 * - The text per language: VOICE_TEMPLATES over the built-in ones below,
 *   chosen like SMS templates (the request's `locale`, the account's, then
 *   Accept-Language; an exact tag, then its language; else English).
 * - The digits are read one by one ("4, 8, 1, …": a speech engine reads
 *   "481" as a number), and the whole sentence twice.
 */
export interface VoicePolicy {
  /** ISO countries voice codes may go to; null: every country the SMS policy serves. */
  allowCountries: readonly string[] | null;
  /** VOICE_TEMPLATES over BUILT_IN_VOICE_TEMPLATES, keyed by lower-case BCP 47 tag. */
  templates: Readonly<Record<string, string>>;
  /** `{app}`: SMS_APP_NAME. */
  appName: string;
}

/** Sentences a first release can stand behind; operators add or replace any with VOICE_TEMPLATES. */
export const BUILT_IN_VOICE_TEMPLATES: Readonly<Record<string, string>> = {
  en: "Your {app} code is: {code}.",
  es: "Su código de {app} es: {code}.",
  fr: "Votre code {app} est : {code}.",
  de: "Ihr {app} Code lautet: {code}.",
  it: "Il tuo codice {app} è: {code}.",
  pt: "O seu código {app} é: {code}.",
  hi: "आपका {app} कोड है: {code}.",
};

/** What a gated call says first (VOICE_KEYPRESS); a language without one here is asked in English. */
export const KEYPRESS_PROMPTS: Readonly<Record<string, string>> = {
  en: "Press any key to hear your {app} code.",
  es: "Pulse cualquier tecla para escuchar su código de {app}.",
  fr: "Appuyez sur une touche pour entendre votre code {app}.",
  de: "Drücken Sie eine beliebige Taste, um Ihren {app} Code zu hören.",
  it: "Premi un tasto qualsiasi per ascoltare il tuo codice {app}.",
  pt: "Pressione qualquer tecla para ouvir o seu código {app}.",
  hi: "अपना {app} कोड सुनने के लिए कोई भी बटन दबाएँ।",
};

// The region a bare language is spoken with when the template's tag names none (Twilio's <Say> wants language-REGION).
const DEFAULT_REGION: Readonly<Record<string, string>> = { en: "US", es: "ES", fr: "FR", de: "DE", it: "IT", pt: "BR", hi: "IN", nl: "NL", ja: "JP", ko: "KR", pl: "PL", ru: "RU", sv: "SE", da: "DK", fi: "FI", nb: "NO", zh: "CN" };

/** Whether a voice code may go to this number's country. */
export function voiceAllowed(policy: VoicePolicy, phone: Phone): boolean {
  if (policy.allowCountries === null) return true;
  return phone.country !== null && policy.allowCountries.includes(phone.country);
}

/**
 * The template chosen for `languages` (exact tag, then its language; else
 * English) and the tag to speak it with: the person's own tag, so a "fr"
 * template asked for as fr-CA is read with a Canadian French voice.
 */
function chosen(policy: VoicePolicy, languages: readonly string[]): { template: string; speak: string } {
  const match = matchTemplate(policy.templates, languages);
  if (match) return { template: match.text, speak: match.wanted };
  return { template: (Object.hasOwn(policy.templates, "en") ? policy.templates.en : undefined) ?? BUILT_IN_VOICE_TEMPLATES.en!, speak: "en" };
}

/**
 * Language-region pairs Twilio's `<Say>` reads (its long-standing voices);
 * others of a known language fall back to its usual region, so a code is
 * never read by a voice that does not exist ("pt-AO" → "pt-BR").
 */
const SPOKEN: ReadonlySet<string> = new Set([
  "ca-ES", "da-DK", "de-DE", "en-AU", "en-CA", "en-GB", "en-IN", "en-US", "es-ES", "es-MX", "es-US", "fi-FI", "fr-CA", "fr-FR", "hi-IN",
  "it-IT", "ja-JP", "ko-KR", "nb-NO", "nl-NL", "pl-PL", "pt-BR", "pt-PT", "ru-RU", "sv-SE", "zh-CN", "zh-HK", "zh-TW",
]);

/**
 * `xx-YY` as a speech engine names it: the tag's own region when Twilio
 * speaks it, else the language's usual one. A language this server knows no
 * voice for is passed as the operator wrote it (their VOICE_TEMPLATES key).
 */
export function speechLanguage(tag: string): string {
  const [language, ...rest] = tag.split("-");
  const region = rest.find((part) => /^[a-z]{2}$/.test(part));
  const own = region ? `${language}-${region.toUpperCase()}` : null;
  if (own && SPOKEN.has(own)) return own;
  const usual = DEFAULT_REGION[language!];
  return usual ? `${language}-${usual}` : (own ?? language!);
}

/** "481 516" → "4, 8, 1, 5, 1, 6". */
export function spokenDigits(code: string): string {
  return [...code].join(", ");
}

/** The call for `code`: the sentence in the chosen language, said twice. */
export function composeVoice(policy: VoicePolicy, phone: Phone, languages: readonly string[], code: string, ttlSeconds: number): VoiceMessage {
  const { template, speak } = chosen(policy, languages);
  const fields = { code: spokenDigits(code), minutes: minutesOf(ttlSeconds), app: policy.appName };
  const sentence = fillTemplate(template, fields);
  const language = speechLanguage(speak);
  const promptOwn = KEYPRESS_PROMPTS[language.split("-")[0]!];
  const prompt = promptOwn ? { language, text: promptOwn } : { language: "en-US", text: KEYPRESS_PROMPTS.en! };
  return { to: phone.e164, language, lines: [sentence, sentence], prompt: { language: prompt.language, text: fillTemplate(prompt.text, fields) } };
}
