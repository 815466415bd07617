import { ConsoleSmsSender } from "./adapters/console/sms-sender";
import { Msg91SmsSender } from "./adapters/msg91/sms-sender";
import { SnsSmsSender } from "./adapters/sns/sms-sender";
import { TwilioSmsSender } from "./adapters/twilio/sms-sender";
import { TwilioVoiceCaller } from "./adapters/twilio/voice-caller";
import type { Config } from "./config";
import type { DeliveryDeps } from "./domain/delivery";
import type { SmsProviderName, SmsSender } from "./domain/ports";
import type { Env } from "./env";

/** The SMS sender of `provider` (config has checked its settings are there). */
function smsSender(env: Env, config: Config, provider: SmsProviderName): SmsSender {
  const { delivery } = config;
  switch (provider) {
    case "twilio":
      return new TwilioSmsSender({ ...config.sms.twilio, statusCallback: delivery.statusCallbackUrl });
    case "sns":
      return new SnsSmsSender(delivery.sns!);
    case "msg91":
      return new Msg91SmsSender(delivery.msg91!);
    case "console":
      return new ConsoleSmsSender(env.DEV_OUTBOX);
  }
}

/** Who carries codes: SMS_PROVIDER, SMS_FALLBACK_PROVIDER, the voice caller, and whether receipts are asked for. */
export function deliveryPorts(env: Env, config: Config): Omit<DeliveryDeps, "keys" | "events" | "now"> {
  const { delivery } = config;
  const voice = delivery.voice;
  return {
    sms: smsSender(env, config, delivery.provider),
    smsFallback: delivery.fallback ? smsSender(env, config, delivery.fallback) : null,
    voice:
      voice === null
        ? null
        : voice.provider === "console"
          ? new ConsoleSmsSender(env.DEV_OUTBOX)
          : new TwilioVoiceCaller({ ...config.sms.twilio, from: voice.from, statusCallback: delivery.statusCallbackUrl, keypressUrl: voice.keypressUrl }),
    voicePolicy: voice?.policy ?? { allowCountries: [], templates: {}, appName: config.sms.message.appName },
    receipts: delivery.statusCallbackUrl !== null,
    voiceKeypress: voice?.keypressUrl != null,
  };
}
