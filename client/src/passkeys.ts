import {
  base64URLStringToBuffer,
  bufferToBase64URLString,
  startAuthentication,
  startRegistration,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/browser";

export type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON };

/**
 * Runs the platform's passkey ceremonies on WebAuthn JSON (base64url
 * strings, as the server sends and expects them). The browser one wraps
 * `navigator.credentials`; in React Native pass `react-native-passkey`'s
 * `create`/`get`, which take and return the same JSON (docs/mobile.md).
 */
export interface PasskeyAuthenticator {
  create(options: PublicKeyCredentialCreationOptionsJSON): Promise<RegistrationResponseJSON>;
  get(options: PublicKeyCredentialRequestOptionsJSON): Promise<AuthenticationResponseJSON>;
}

/**
 * The browser's authenticator, through @simplewebauthn/browser (which turns
 * the base64url fields into ArrayBuffers and back, and names the failures:
 * `err.name === "NotAllowedError"` when the person cancels).
 */
export function browserPasskeys(): PasskeyAuthenticator {
  return {
    create: (optionsJSON) => startRegistration({ optionsJSON }),
    get: (optionsJSON) => startAuthentication({ optionsJSON }),
  };
}

/** Bytes to unpadded base64url (WebAuthn's and our device keys' encoding). */
export function toBase64url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return bufferToBase64URLString(view.slice().buffer);
}

/** Unpadded (or padded) base64url to bytes. */
export function fromBase64url(text: string): Uint8Array {
  return new Uint8Array(base64URLStringToBuffer(text));
}
