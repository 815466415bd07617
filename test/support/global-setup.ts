/**
 * Node-side setup for the Worker suites: starts the local services the
 * Worker talks to over loopback and hands their URLs to the pool config:
 *  - fakes of Twilio's Messages and Calls APIs, AWS SNS Publish (SigV4
 *    checked) and MSG91's flow API;
 *  - fakes of Twilio Lookup v2 (line type intelligence) and of Cloudflare
 *    Turnstile's siteverify, for the anti-fraud checks;
 *  - a private redis-server with the Upstash REST bridge in front (skipped
 *    loudly when redis-server is missing, a failure with CI=true);
 *  - a "black hole" HTTP server that accepts requests and never answers,
 *    to prove that stores time out and fail closed.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { startBridge } from "../../tools/upstash-bridge/server.mjs";
import { startRedisServer } from "../../tools/upstash-bridge/redis-server.mjs";
import { MSG91_TEST_AUTH_KEY, MSG91_TEST_TEMPLATE_ID, MSG91_TEST_TEMPLATE_VARIABLES, SNS_TEST_ACCESS_KEY_ID, SNS_TEST_REGION, SNS_TEST_SECRET_ACCESS_KEY, TWILIO_TEST_ACCOUNT_SID, TWILIO_TEST_AUTH_TOKEN } from "./constants";
import { startFakeMsg91 } from "./fake-msg91";
import { startFakeSns } from "./fake-sns";
import { startFakeTurnstile } from "./fake-turnstile";
import { startFakeTwilio } from "./fake-twilio";
import { startFakeLookup } from "./fake-twilio-lookup";
import { redisServerOrSkip } from "./redis-guard";

declare module "vitest" {
  export interface ProvidedContext {
    fakeTwilioUrl: string;
    fakeSnsUrl: string;
    fakeMsg91Url: string;
    fakeLookupUrl: string;
    fakeTurnstileUrl: string;
    upstashUrl: string;
    upstashToken: string;
    blackholeUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  const twilio = await startFakeTwilio({ accountSid: TWILIO_TEST_ACCOUNT_SID, authToken: TWILIO_TEST_AUTH_TOKEN });
  stops.push(() => twilio.close());
  project.provide("fakeTwilioUrl", twilio.url);
  const sns = await startFakeSns({ accessKeyId: SNS_TEST_ACCESS_KEY_ID, secretAccessKey: SNS_TEST_SECRET_ACCESS_KEY, region: SNS_TEST_REGION });
  stops.push(() => sns.close());
  project.provide("fakeSnsUrl", sns.url);
  const msg91 = await startFakeMsg91({ authKey: MSG91_TEST_AUTH_KEY, templates: { [MSG91_TEST_TEMPLATE_ID]: MSG91_TEST_TEMPLATE_VARIABLES } });
  stops.push(() => msg91.close());
  project.provide("fakeMsg91Url", msg91.url);
  const lookup = await startFakeLookup({ accountSid: TWILIO_TEST_ACCOUNT_SID, authToken: TWILIO_TEST_AUTH_TOKEN });
  stops.push(() => lookup.close());
  project.provide("fakeLookupUrl", lookup.url);
  const turnstile = await startFakeTurnstile();
  stops.push(() => turnstile.close());
  project.provide("fakeTurnstileUrl", turnstile.url);

  let upstashUrl = "";
  const upstashToken = "test-bridge-token";
  if (redisServerOrSkip()) {
    const redis = await startRedisServer();
    const bridge = await startBridge({ redisPort: redis.port, token: upstashToken });
    stops.push(async () => {
      await bridge.close();
      await redis.stop();
    });
    upstashUrl = bridge.url;
  }
  project.provide("upstashUrl", upstashUrl);
  project.provide("upstashToken", upstashToken);

  const hole = createServer(() => {
    // Never answers: the caller's deadline must fire.
  });
  await new Promise<void>((resolve) => hole.listen(0, "127.0.0.1", resolve));
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        hole.closeAllConnections();
        hole.close(() => resolve());
      }),
  );
  project.provide("blackholeUrl", `http://127.0.0.1:${(hole.address() as AddressInfo).port}`);

  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
