/** Credentials the fake Twilio accepts; test-only values, not secrets. */
export const TWILIO_TEST_ACCOUNT_SID = "AC00000000000000000000000000000001";
export const TWILIO_TEST_AUTH_TOKEN = "test-auth-token-not-a-secret";
export const TWILIO_TEST_FROM = "+15005550006";
