import { describe, expect, it } from "vitest";
import { chooseTemplate, composeSms, type MessagePolicy } from "../../../src/domain/sms-message";
import { acceptedLanguages } from "../../../src/lib/languages";

const policy = (extra: Partial<MessagePolicy> = {}): MessagePolicy => ({
  template: "Your {app} code is {code}. It expires in {minutes} minutes.",
  templates: {},
  appName: "Acme",
  originBoundDomain: null,
  androidHash: null,
  ...extra,
});

describe("the code message (pure)", () => {
  it("fills every {code}, {minutes} (rounded up) and {app}", () => {
    expect(composeSms(policy(), [], "012345", 301)).toBe("Your Acme code is 012345. It expires in 6 minutes.");
    expect(composeSms(policy({ template: "{code} {code} {minutes}" }), [], "1", 59)).toBe("1 1 1");
  });

  it("Android SMS Retriever: the 11-character app hash ends the message on its own line", () => {
    expect(composeSms(policy({ androidHash: "FA+9qCX9VSu" }), [], "123456", 300)).toBe("Your Acme code is 123456. It expires in 5 minutes.\nFA+9qCX9VSu");
  });

  it("WebOTP / iOS domain-bound codes: the last line is @domain #code; with an app hash too, the hash comes just before it", () => {
    expect(composeSms(policy({ originBoundDomain: "app.example.com" }), [], "123456", 300)).toBe("Your Acme code is 123456. It expires in 5 minutes.\n@app.example.com #123456");
    expect(composeSms(policy({ originBoundDomain: "app.example.com", androidHash: "FA+9qCX9VSu" }), [], "123456", 300)).toBe(
      "Your Acme code is 123456. It expires in 5 minutes.\nFA+9qCX9VSu\n@app.example.com #123456",
    );
  });

  it("the template of the first language that has one: an exact tag, then its language; else SMS_TEMPLATE", () => {
    // As the config stores them: canonical tags, lowercased.
    const p = policy({ templates: { hi: "hi {code}", "pt-br": "br {code}", pt: "pt {code}" } });
    expect(chooseTemplate(p, ["pt-BR", "hi"])).toBe("br {code}");
    expect(chooseTemplate(p, ["pt-PT"])).toBe("pt {code}");
    expect(chooseTemplate(p, ["HI-in"])).toBe("hi {code}");
    expect(chooseTemplate(p, ["*", "de", "hi"])).toBe("hi {code}");
    expect(chooseTemplate(p, ["de", "fr"])).toBe(p.template);
    expect(chooseTemplate(p, [])).toBe(p.template);
    expect(chooseTemplate(p, ["constructor", "toString"])).toBe(p.template);
  });

  it("Accept-Language: most wanted first by q, q=0 and * and junk left out", () => {
    expect(acceptedLanguages("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.95, *;q=0.5, xx;q=0, <script>")).toEqual(["fr-CH", "de", "fr", "en"]);
    expect(acceptedLanguages(null)).toEqual([]);
    expect(acceptedLanguages("")).toEqual([]);
  });
});
