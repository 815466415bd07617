import { browserPasskeys, createAuthClient, isAuthApiError, webStorage, type SessionCheck, type SignedIn } from "edge-phone-auth/client";
import { button, clear, field, para, section } from "./dom";
import { inPlainWords } from "./words";

/**
 * The whole product in one page: SMS sign-in → passkey → lock → unlock →
 * PIN → sessions → export → delete. The API is this page's own origin (the
 * dev server at /demo, or Vite's proxy). Tokens live in sessionStorage, so
 * a reload is an "app restart": the token survives and the app asks to
 * unlock. A real app keeps them in the platform's secure storage.
 */
const client = createAuthClient({ baseUrl: location.origin, storage: webStorage(sessionStorage), onSignedOut: () => showPhone() });
const passkeys = browserPasskeys();
const view = document.getElementById("view")!;
const noticeBox = document.getElementById("notice")!;
const errorBox = document.getElementById("error")!;

function notice(text: string): void {
  noticeBox.textContent = text;
  errorBox.textContent = "";
}

function fail(err: unknown): void {
  errorBox.textContent = inPlainWords(err);
}

/** Runs a button's action: clears old messages, shows the error in plain words. */
function act(action: () => Promise<void>): () => Promise<void> {
  return async () => {
    errorBox.textContent = "";
    try {
      await action();
    } catch (err) {
      fail(err);
    }
  };
}

async function start(): Promise<void> {
  if (!(await client.storage.get("access"))) return showPhone();
  try {
    // An "app restart" with a stored token: the session may still be alive, but the person must unlock.
    showLocked(await client.checkSession());
  } catch {
    showPhone();
  }
}

function showPhone(): void {
  clear(view);
  const phone = field("Mobile number", "phone", "tel", "+91 98765 43210");
  phone.input.autocomplete = "tel";
  const code = field("Code from the SMS", "otp", "text");
  code.input.autocomplete = "one-time-code";
  code.input.inputMode = "numeric";
  code.label.hidden = true;
  const verify = button("Sign in", "verify-otp");
  verify.hidden = true;
  const send = button("Send code", "request-otp");
  send.onclick = act(async () => {
    const number = phone.input.value.replace(/[\s()-]/g, "");
    const sent = await client.requestOtp(number);
    code.label.hidden = false;
    verify.hidden = false;
    notice(`Code sent. It is valid for ${Math.round(sent.expiresIn / 60)} minutes; you can ask again in ${sent.resendAfter} seconds.`);
    await fillFromDevOutbox(number, code.input);
  });
  verify.onclick = act(async () => {
    const signedIn = await client.verifyOtp(phone.input.value.replace(/[\s()-]/g, ""), code.input.value.trim());
    showHome(signedIn.user, signedIn.user.isNewUser ? "Welcome! Your account is ready." : "Welcome back!");
  });
  const withPasskey = button("Sign in with a passkey", "passkey-sign-in");
  withPasskey.onclick = act(async () => {
    const signedIn = await client.passkeys.authenticate(passkeys);
    showHome(signedIn.user, "Signed in with your passkey.");
  });
  view.append(section("Sign in", [phone.label, send, code.label, verify]), section("Or", [withPasskey]));
}

/** Development only: the console SMS provider keeps messages in the dev outbox; the demo reads the code from it and says so. */
async function fillFromDevOutbox(phone: string, input: HTMLInputElement): Promise<void> {
  try {
    const [latest] = await client.dev.outbox(phone);
    const found = latest && /\b(\d{4,8})\b/.exec(latest.body);
    if (!found) return;
    input.value = found[1]!;
    noticeBox.textContent += " Development: the code was read from the dev SMS outbox (GET /dev/sms-outbox); with a real SMS provider you would type it from the message.";
  } catch {
    // No outbox (a real SMS provider): the person types the code.
  }
}

type User = SignedIn["user"];

function showHome(user: User, message: string): void {
  clear(view);
  notice(message);
  const methods = [user.biometricEnabled ? "passkey" : null, user.pinEnabled ? "PIN" : null].filter(Boolean).join(" and ") || "none yet";
  const status = section("Signed in", [para(`User ${user.id}. Unlock methods: ${methods}.`, "signed-in")]);

  const addPasskey = button("Add a passkey", "add-passkey");
  addPasskey.onclick = act(async () => {
    await confirmed(() => client.passkeys.register(passkeys, "Demo browser"));
    notice("Passkey added. Lock the app and unlock with it.");
  });
  const pin = field("New PIN (6–8 digits)", "new-pin", "password");
  pin.input.inputMode = "numeric";
  pin.input.autocomplete = "new-password";
  const setPin = button("Set PIN", "set-pin");
  setPin.onclick = act(async () => {
    await confirmed(() => client.pin.set(pin.input.value));
    pin.input.value = "";
    notice("PIN set. Lock the app and unlock with it.");
  });
  const lock = button("Lock (simulate an app restart)", "lock");
  lock.onclick = () => location.reload();

  const sessions = section("Sessions", []);
  const listSessions = button("Show my sessions", "list-sessions");
  listSessions.onclick = act(() => renderSessions(sessions));
  sessions.append(listSessions);

  const exportData = button("Export my data", "export");
  exportData.onclick = act(async () => {
    const data = await confirmed(() => client.user.export());
    download(JSON.stringify(data, null, 2), "my-account.json");
    notice(`Exported everything held about you: your number, ${data.sessions.length} session(s), ${data.credentials.length} passkey(s) or device key(s), ${data.activity.length} activity entries.`);
  });
  const remove = button("Delete my account", "delete");
  remove.onclick = () => {
    const really = button("Yes, delete everything", "delete-confirm");
    really.onclick = act(async () => {
      const { status: done } = await confirmed(() => client.user.delete());
      showPhone();
      notice(done === "erased" ? "Your account and everything about it are deleted." : "Your account is closed; the rest is being erased in the background.");
    });
    remove.replaceWith(really);
  };
  const signOut = button("Sign out", "logout");
  signOut.onclick = act(async () => {
    await client.logout();
    showPhone();
    notice("Signed out.");
  });
  view.append(
    status,
    section("Unlock methods", [addPasskey, pin.label, setPin, lock]),
    sessions,
    section("Your data", [exportData, remove]),
    section("", [signOut]),
  );
}

async function renderSessions(box: HTMLElement): Promise<void> {
  const { sessions } = await client.sessions.list();
  box.querySelector("ul")?.remove();
  const list = document.createElement("ul");
  list.dataset.testid = "sessions";
  for (const s of sessions) {
    const item = document.createElement("li");
    const device = [s.device?.browser, s.device?.os].filter(Boolean).join(" on ") || "Unknown device";
    item.textContent = `${device} · signed in ${new Date(s.createdAt).toLocaleString()} · last unlocked with ${methodWords(s.amr)}${s.current ? " · this session" : ""} `;
    if (!s.current) {
      const revoke = button("Sign out", "revoke-session");
      revoke.onclick = act(async () => {
        await client.sessions.revoke(s.id);
        notice("That session is signed out.");
        await renderSessions(box);
      });
      item.append(revoke);
    }
    list.append(item);
  }
  box.append(list);
}

/** The session's authentication methods (RFC 8176 `amr` values) as people say them. */
function methodWords(amr: readonly string[]): string {
  const words: Record<string, string> = { sms: "an SMS code", otp: "an SMS code", hwk: "a passkey or device key", swk: "a synced passkey", pin: "a PIN" };
  return [...new Set(amr.map((m) => words[m]).filter(Boolean))].join(" and ") || "an unknown method";
}

/** Runs a sensitive action; when the server asks for a fresh confirmation, asks for the passkey (or an SMS code) and runs it again. */
async function confirmed<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (!isAuthApiError(err, "step_up_required")) throw err;
    const check = await client.checkSession();
    if (check.user.biometricEnabled) {
      notice("Confirm it is you with your passkey.");
      await client.passkeys.authenticate(passkeys);
    } else {
      await client.stepUp.requestOtp();
      const code = prompt("Enter the code we sent to your number");
      if (!code) throw err;
      await client.stepUp.verifyOtp(code);
    }
    return action();
  }
}

function showLocked(check: SessionCheck): void {
  clear(view);
  notice("The app restarted and is locked. Your session is still there: unlock it.");
  const parts: HTMLElement[] = [para(check.stepUp.required ? `The server asks for a fresh check (${check.stepUp.reason ?? "policy"}).` : "Unlock to go on.")];
  const unlocked = (signedIn: SignedIn, how: string) => showHome(signedIn.user, `Unlocked with your ${how}.`);
  if (check.user.biometricEnabled) {
    const withPasskey = button("Unlock with passkey", "unlock-passkey");
    withPasskey.onclick = act(async () => unlocked(await client.passkeys.authenticate(passkeys), "passkey"));
    parts.push(withPasskey);
  }
  if (check.user.pinEnabled) {
    const pin = field("PIN", "unlock-pin", "password");
    pin.input.inputMode = "numeric";
    const withPin = button("Unlock with PIN", "unlock-pin-submit");
    withPin.onclick = act(async () => unlocked(await client.pin.unlock(pin.input.value), "PIN"));
    parts.push(pin.label, withPin);
  }
  const withSms = button("Unlock with a code by SMS", "unlock-sms");
  withSms.onclick = act(async () => {
    await client.stepUp.requestOtp();
    const code = prompt("Enter the code we sent to your number");
    if (code) unlocked(await client.stepUp.verifyOtp(code), "code");
  });
  parts.push(withSms);
  view.append(section("Locked", parts));
}

function download(text: string, name: string): void {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

void start();
