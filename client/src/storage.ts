/**
 * Where the client keeps the access token and the device token between
 * calls. Both are secrets: on the web prefer memory (or sessionStorage) for
 * the access token; in React Native use the Keychain / Keystore (for example
 * `react-native-keychain` or `expo-secure-store`), never AsyncStorage.
 */
export interface TokenStorage {
  get(name: TokenName): string | null | Promise<string | null>;
  /** `null` removes the value. */
  set(name: TokenName, value: string | null): void | Promise<void>;
}

/** `access`: the Bearer JWT of the session. `device`: the recognised-device token from the last sign-in (sent with the next request-otp). */
export type TokenName = "access" | "device";

/** Keeps tokens in memory only: they are gone when the page or app restarts. */
export function memoryStorage(): TokenStorage {
  const values = new Map<TokenName, string>();
  return {
    get: (name) => values.get(name) ?? null,
    set: (name, value) => {
      if (value === null) values.delete(name);
      else values.set(name, value);
    },
  };
}

/** A Web Storage area (`localStorage`, `sessionStorage`) under a key prefix. */
export function webStorage(area: Storage, prefix = "edge-phone-auth."): TokenStorage {
  return {
    get: (name) => area.getItem(prefix + name),
    set: (name, value) => (value === null ? area.removeItem(prefix + name) : area.setItem(prefix + name, value)),
  };
}
