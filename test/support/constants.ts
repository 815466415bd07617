/** Credentials the fake Twilio accepts; test-only values, not secrets. */
export const TWILIO_TEST_ACCOUNT_SID = "AC00000000000000000000000000000001";
export const TWILIO_TEST_AUTH_TOKEN = "test-auth-token-not-a-secret";
export const TWILIO_TEST_FROM = "+15005550006";
/** AWS credentials the fake SNS accepts (AWS's own documentation example pair). */
export const SNS_TEST_ACCESS_KEY_ID = "AKIDEXAMPLE";
export const SNS_TEST_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
export const SNS_TEST_REGION = "ap-south-1";
/** The MSG91 authkey and DLT template the fake MSG91 knows, with the template's variables. */
export const MSG91_TEST_AUTH_KEY = "test-msg91-authkey-not-a-secret";
export const MSG91_TEST_TEMPLATE_ID = "6650f0c1d6fc05123e0a1b22";
export const MSG91_TEST_TEMPLATE_VARIABLES = ["otp", "minutes"];
