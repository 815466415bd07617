/**
 * Type declarations of the React Native libraries docs/mobile.md uses, for
 * test/node/mobile-docs.test.ts (none of them is installed here). Only what
 * the guide's snippets call is declared, with the signatures of the versions
 * named in the guide; each block says where it was read from. Keep them in
 * step with the real packages: a snippet that compiles against a wrong
 * declaration proves nothing.
 */

// React 19 (@types/react): the two hooks the guide uses, and the JSX
// namespace that `jsx: "react-jsx"` looks up in react/jsx-runtime.
declare module "react/jsx-runtime" {
  export namespace JSX {
    interface Element {
      readonly type: unknown;
      readonly props: unknown;
      readonly key: string | null;
    }
    interface ElementChildrenAttribute {
      children: unknown;
    }
    interface IntrinsicAttributes {
      key?: string | number | null | undefined;
    }
  }
  export function jsx(type: unknown, props: unknown, key?: string): JSX.Element;
  export function jsxs(type: unknown, props: unknown, key?: string): JSX.Element;
  export const Fragment: (props: { children?: unknown }) => JSX.Element;
}

declare module "react" {
  import type { JSX } from "react/jsx-runtime";
  export type ReactNode = JSX.Element | string | number | bigint | boolean | null | undefined | Iterable<ReactNode>;
  export type Dispatch<A> = (value: A) => void;
  export type SetStateAction<S> = S | ((prevState: S) => S);
  export function useState<S>(initialState: S | (() => S)): [S, Dispatch<SetStateAction<S>>];
  export type EffectCallback = () => void | (() => void);
  export function useEffect(effect: EffectCallback, deps?: readonly unknown[]): void;
}

// react-native 0.8x (packages/react-native/Libraries/*/*.d.ts): Platform,
// EmitterSubscription, and the props of TextInput, Button, Text and View that
// the guide sets (TextInput's textContentType / autoComplete / keyboardType
// unions copied whole from TextInput.d.ts).
declare module "react-native" {
  import type { JSX } from "react/jsx-runtime";
  import type { ReactNode } from "react";

  export type PlatformOSType = "ios" | "android" | "macos" | "windows" | "web" | "native";
  export const Platform: {
    OS: PlatformOSType;
    /** iOS: the system version string; Android: the API level. */
    Version: number | string;
  };

  export interface EmitterSubscription {
    remove(): void;
  }

  export interface GestureResponderEvent {
    nativeEvent: unknown;
  }

  export type KeyboardTypeOptions =
    | "default"
    | "number-pad"
    | "decimal-pad"
    | "numeric"
    | "email-address"
    | "phone-pad"
    | "url"
    | "visible-password"
    | "ascii-capable"
    | "numbers-and-punctuation"
    | "name-phone-pad"
    | "twitter"
    | "web-search";

  export interface TextInputProps {
    value?: string | undefined;
    onChangeText?: ((text: string) => void) | undefined;
    keyboardType?: KeyboardTypeOptions | undefined;
    maxLength?: number | undefined;
    /** iOS */
    textContentType?:
      | "none"
      | "URL"
      | "addressCity"
      | "addressCityAndState"
      | "addressState"
      | "countryName"
      | "creditCardNumber"
      | "creditCardExpiration"
      | "creditCardExpirationMonth"
      | "creditCardExpirationYear"
      | "creditCardSecurityCode"
      | "creditCardType"
      | "creditCardName"
      | "creditCardGivenName"
      | "creditCardMiddleName"
      | "creditCardFamilyName"
      | "emailAddress"
      | "familyName"
      | "fullStreetAddress"
      | "givenName"
      | "jobTitle"
      | "location"
      | "middleName"
      | "name"
      | "namePrefix"
      | "nameSuffix"
      | "nickname"
      | "organizationName"
      | "postalCode"
      | "streetAddressLine1"
      | "streetAddressLine2"
      | "sublocality"
      | "telephoneNumber"
      | "username"
      | "password"
      | "newPassword"
      | "oneTimeCode"
      | "birthdate"
      | "birthdateDay"
      | "birthdateMonth"
      | "birthdateYear"
      | undefined;
    autoComplete?:
      | "additional-name"
      | "address-line1"
      | "address-line2"
      | "birthdate-day"
      | "birthdate-full"
      | "birthdate-month"
      | "birthdate-year"
      | "cc-csc"
      | "cc-exp"
      | "cc-exp-day"
      | "cc-exp-month"
      | "cc-exp-year"
      | "cc-number"
      | "cc-name"
      | "cc-given-name"
      | "cc-middle-name"
      | "cc-family-name"
      | "cc-type"
      | "country"
      | "current-password"
      | "email"
      | "family-name"
      | "gender"
      | "given-name"
      | "honorific-prefix"
      | "honorific-suffix"
      | "name"
      | "name-family"
      | "name-given"
      | "name-middle"
      | "name-middle-initial"
      | "name-prefix"
      | "name-suffix"
      | "new-password"
      | "nickname"
      | "one-time-code"
      | "organization"
      | "organization-title"
      | "password"
      | "password-new"
      | "postal-address"
      | "postal-address-country"
      | "postal-address-extended"
      | "postal-address-extended-postal-code"
      | "postal-address-locality"
      | "postal-address-region"
      | "postal-code"
      | "street-address"
      | "sms-otp"
      | "tel"
      | "tel-country-code"
      | "tel-national"
      | "tel-device"
      | "url"
      | "username"
      | "username-new"
      | "off"
      | undefined;
  }
  export function TextInput(props: TextInputProps): JSX.Element;

  export interface ButtonProps {
    title: string;
    onPress?: ((event: GestureResponderEvent) => void) | undefined;
  }
  export function Button(props: ButtonProps): JSX.Element;

  export function Text(props: { children?: ReactNode }): JSX.Element;
  export function View(props: { children?: ReactNode }): JSX.Element;
}

// react-native-keychain 10.0.0 (lib/typescript/index.d.ts, types.d.ts, enums.d.ts).
declare module "react-native-keychain" {
  export enum ACCESSIBLE {
    WHEN_UNLOCKED = "AccessibleWhenUnlocked",
    AFTER_FIRST_UNLOCK = "AccessibleAfterFirstUnlock",
    ALWAYS = "AccessibleAlways",
    WHEN_PASSCODE_SET_THIS_DEVICE_ONLY = "AccessibleWhenPasscodeSetThisDeviceOnly",
    WHEN_UNLOCKED_THIS_DEVICE_ONLY = "AccessibleWhenUnlockedThisDeviceOnly",
    AFTER_FIRST_UNLOCK_THIS_DEVICE_ONLY = "AccessibleAfterFirstUnlockThisDeviceOnly",
  }
  export enum STORAGE_TYPE {
    AES_CBC = "KeystoreAESCBC",
    AES_GCM_NO_AUTH = "KeystoreAESGCM_NoAuth",
    AES_GCM = "KeystoreAESGCM",
    RSA = "KeystoreRSAECB",
  }
  export type BaseOptions = { service?: string; server?: string; cloudSync?: boolean; accessGroup?: string };
  export type SetOptions = { accessible?: ACCESSIBLE; storage?: STORAGE_TYPE } & BaseOptions;
  export type GetOptions = BaseOptions;
  export type Result = { service: string; storage: STORAGE_TYPE };
  export type UserCredentials = { username: string; password: string } & Result;
  export function setGenericPassword(username: string, password: string, options?: SetOptions): Promise<false | Result>;
  export function getGenericPassword(options?: GetOptions): Promise<false | UserCredentials>;
  export function resetGenericPassword(options?: BaseOptions): Promise<boolean>;
}

// react-native-get-random-values (a side-effect import: defines crypto.getRandomValues).
declare module "react-native-get-random-values" {}

// uuid 11 (dist/esm/v4.d.ts), without the buffer overloads.
declare module "uuid" {
  export function v4(options?: { random?: Uint8Array; rng?: () => Uint8Array }): string;
}

// react-native-otp-verify 1.2.0 (lib/typescript/index.d.ts); the handler's `any` return is `unknown` here.
declare module "react-native-otp-verify" {
  import type { EmitterSubscription } from "react-native";
  export function startOtpListener(handler: (value: string) => unknown): Promise<EmitterSubscription>;
  export function removeListener(): void;
}

// react-native-passkey 3.6.2 (lib/typescript/Passkey.d.ts, PasskeyTypes.d.ts, PasskeyError.d.ts).
declare module "react-native-passkey" {
  export enum AuthenticatorTransport {
    usb = "usb",
    nfc = "nfc",
    ble = "ble",
    smartCard = "smart-card",
    hybrid = "hybrid",
    internal = "internal",
  }
  export interface PublicKeyCredentialDescriptor {
    type: "public-key";
    id: string;
    transports?: Array<AuthenticatorTransport>;
  }
  export type PasskeyBinaryValue = Uint8Array | ArrayBuffer | number[] | string;
  export interface AuthenticationExtensionsPRFValues {
    first: PasskeyBinaryValue;
    second?: PasskeyBinaryValue;
  }
  export interface PasskeyCreateRequest {
    challenge: string;
    rp: { id: string; name: string };
    user: { id: string; name: string; displayName: string };
    pubKeyCredParams: Array<{ type: "public-key"; alg: number }>;
    timeout?: number;
    excludeCredentials?: Array<PublicKeyCredentialDescriptor>;
    authenticatorSelection?: {
      authenticatorAttachment?: "platform" | "cross-platform";
      requireResidentKey?: boolean;
      residentKey?: "discouraged" | "preferred" | "required";
      userVerification?: "discouraged" | "preferred" | "required";
    };
    attestation?: "none" | "indirect" | "direct" | "enterprise";
  }
  export interface PasskeyCreateResult {
    id: string;
    rawId: string;
    type?: string;
    authenticatorAttachment?: string;
    response: {
      clientDataJSON: string;
      attestationObject: string;
      authenticatorData?: string;
      transports?: Array<AuthenticatorTransport>;
      publicKeyAlgorithm?: number;
      publicKey?: string;
    };
    clientExtensionResults?: { prf?: { enabled?: boolean; results?: AuthenticationExtensionsPRFValues } };
  }
  export interface PasskeyGetRequest {
    challenge: string;
    rpId: string;
    timeout?: number;
    allowCredentials?: Array<PublicKeyCredentialDescriptor>;
    userVerification?: "discouraged" | "preferred" | "required";
  }
  export interface PasskeyGetResult {
    id: string;
    rawId?: string;
    type?: string;
    authenticatorAttachment?: string;
    response: {
      authenticatorData: string;
      clientDataJSON: string;
      signature: string;
      userHandle?: string;
      attestationObject?: string;
    };
    clientExtensionResults?: { prf?: { enabled?: boolean; results?: AuthenticationExtensionsPRFValues } };
  }
  /** What every failed call rejects with (a plain object, not an Error): `error` is e.g. "UserCancelled", "NoCredentials", "BadConfiguration". */
  export interface PasskeyError {
    error: string;
    message: string;
  }
  export class Passkey {
    static create(request: PasskeyCreateRequest): Promise<PasskeyCreateResult>;
    static get(request: PasskeyGetRequest): Promise<PasskeyGetResult>;
  }
}

// react-native-biometrics 3.0.1 (SelfLender, index.ts).
declare module "react-native-biometrics" {
  export default class ReactNativeBiometrics {
    constructor(options?: { allowDeviceCredentials?: boolean });
    createKeys(): Promise<{ publicKey: string }>;
    biometricKeysExist(): Promise<{ keysExist: boolean }>;
    deleteKeys(): Promise<{ keysDeleted: boolean }>;
    createSignature(options: { promptMessage: string; payload: string; cancelButtonText?: string }): Promise<{ success: boolean; signature?: string; error?: string }>;
  }
}
