/**
 * Which PINs are refused as too weak (PIN-02): a PIN guards an unlock that
 * an attacker holding the device may try five times, so the PINs people
 * pick first (and the digits of their own number, which is no secret from
 * whoever holds their phone) are not allowed. Pure rules; no storage.
 */

export type PinProblem = "not_digits" | "too_short" | "too_long" | "repeated" | "sequence" | "common" | "from_phone";

export const PIN_MAX_LENGTH = 8;

/** The most used PINs of 4–8 digits (leaked-PIN studies), beyond what the repeat and sequence rules catch. */
const COMMON = new Set([
  "1212", "1004", "2000", "6969", "1122", "1313", "2001", "1010", "2580", "0852", "1998", "1999", "2468", "1357", "0007", "1984",
  "121212", "123123", "112233", "159753", "696969", "123321", "520520", "147258", "789456", "101010", "131313", "252525",
  "11223344", "12341234", "20202020", "19691969", "12121212",
]);

/** True when every digit is the one before plus `step` (a run such as 3456 or 9876). */
function isRun(pin: string, step: 1 | -1): boolean {
  for (let i = 1; i < pin.length; i++) if (pin.charCodeAt(i) - pin.charCodeAt(i - 1) !== step) return false;
  return true;
}

/**
 * Why `pin` is refused, or null. `phoneDigits` is the account's number
 * without `+` (country code included): any run of 4 or more of the PIN's
 * digits found in it makes the PIN guessable from the number.
 */
export function pinProblem(pin: string, opts: { minLength: number; phoneDigits: string }): PinProblem | null {
  if (!/^\d+$/.test(pin)) return "not_digits";
  if (pin.length < opts.minLength) return "too_short";
  if (pin.length > PIN_MAX_LENGTH) return "too_long";
  if (/^(\d)\1+$/.test(pin)) return "repeated";
  if (isRun(pin, 1) || isRun(pin, -1)) return "sequence";
  if (COMMON.has(pin)) return "common";
  for (let len = 4; len <= pin.length; len++) {
    for (let start = 0; start + len <= pin.length; start++) {
      if (opts.phoneDigits.includes(pin.slice(start, start + len))) return "from_phone";
    }
  }
  return null;
}
