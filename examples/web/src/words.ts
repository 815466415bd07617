import { AuthApiError, AuthNetworkError } from "edge-phone-auth/client";

/** Seconds as people say them: "45 seconds", "3 minutes", "2 hours" (a lockout can last up to 24 hours). */
export function wait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  if (seconds < 90 * 60) return `${Math.ceil(seconds / 60)} minutes`;
  return `${Math.ceil(seconds / 3600)} hours`;
}

const PIN_RULES: Record<string, string> = {
  repeated: "it repeats one digit",
  sequence: "it is a run such as 123456",
  common: "it is one of the PINs people pick most",
  from_phone: "it uses digits of your phone number",
};

/**
 * What went wrong, in plain words for the person at the screen. The codes
 * are the API's stable error codes (README, /docs); `retryAfter` and
 * `attemptsRemaining` come typed from the client.
 */
export function inPlainWords(err: unknown): string {
  if (err instanceof AuthNetworkError) return "We could not reach the server. Check your connection and try again.";
  if (err instanceof DOMException && err.name === "NotAllowedError") return "The passkey prompt was cancelled or timed out.";
  if (!(err instanceof AuthApiError)) return "Something went wrong. Please try again.";
  const later = err.retryAfter ? ` Please wait ${wait(err.retryAfter)} and try again.` : " Please try again later.";
  switch (err.code) {
    case "invalid_phone":
      return "That does not look like a mobile number. Include the country code, such as +44 7700 900123.";
    case "phone_not_supported":
      return "We cannot send codes to this number or country.";
    case "rate_limited":
      return `Too many requests.${later}`;
    case "too_many_attempts":
      return `Too many wrong codes for this number.${later}`;
    case "otp_invalid":
      return err.attemptsRemaining !== null ? `That code is not right. ${err.attemptsRemaining} ${err.attemptsRemaining === 1 ? "try" : "tries"} left.` : "That code is not right.";
    case "otp_expired":
      return "That code has expired. Ask for a new one.";
    case "sms_send_failed":
      return "The text message could not be sent. Try again in a moment.";
    case "pin_too_weak":
      return `Choose another PIN: ${(err.reason && PIN_RULES[err.reason]) || "it is too easy to guess"}.`;
    case "pin_invalid":
      return err.attemptsRemaining !== null ? `Wrong PIN. ${err.attemptsRemaining} ${err.attemptsRemaining === 1 ? "try" : "tries"} left.` : "Wrong PIN.";
    case "pin_locked":
      return "PIN unlock is locked after too many wrong PINs. Unlock with your passkey or a code by SMS.";
    case "step_up_required":
      return "For this, confirm it is you first (passkey or a code by SMS).";
    case "unauthorized":
    case "session_revoked":
      return "You have been signed out. Sign in again.";
    case "biometric_failed":
    case "credential_invalid":
      return "The passkey could not be checked. Try again or use another way.";
    case "credential_exists":
      return "This device already has a passkey for your account.";
    case "service_unavailable":
    case "service_misconfigured":
      return "The service is having trouble right now. Please try again in a minute.";
    default:
      return `Something went wrong (${err.code}).`;
  }
}
