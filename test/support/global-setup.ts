/**
 * Node-side setup for the Worker suites: starts the local services the
 * Worker talks to over loopback and hands their URLs to the pool config.
 */
import type { TestProject } from "vitest/node";
import { startFakeTwilio } from "./fake-twilio";
import { TWILIO_TEST_ACCOUNT_SID, TWILIO_TEST_AUTH_TOKEN } from "./constants";

declare module "vitest" {
  export interface ProvidedContext {
    fakeTwilioUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const twilio = await startFakeTwilio({ accountSid: TWILIO_TEST_ACCOUNT_SID, authToken: TWILIO_TEST_AUTH_TOKEN });
  project.provide("fakeTwilioUrl", twilio.url);
  return async () => {
    await twilio.close();
  };
}
