/**
 * Request and response examples of the OpenAPI document, taken from real
 * answers of `npm run dev` (ids and keys shortened where noted) and the
 * README's walk-throughs (+919876543210, code 123456, PIN 482916). Redocly's
 * lint (test/node/openapi-lint.test.ts) checks each one against its schema.
 */

const DEVICE_ID = "9b2f6c1e-4d7a-4f0e-8c3b-5a6d7e8f9a0b";
const USER_ID = "u_3kq9x2m7";
const SESSION_ID = "s_8d2f0a1c";
const MASKED_PHONE = "+91 ••••• •3210";

const deviceKeyCredential = {
  id: `device:${DEVICE_ID}`,
  type: "device_key",
  name: "Pixel 9",
  platform: "android",
  createdAt: "2026-01-01T12:01:00.000Z",
  lastUsedAt: "2026-01-02T08:30:00.000Z",
  backedUp: false,
  multiDevice: false,
};

const session = {
  id: SESSION_ID,
  current: true,
  createdAt: "2026-01-01T12:00:00.000Z",
  lastAuthAt: "2026-01-02T08:30:00.000Z",
  lastSeenAt: "2026-01-02T08:31:00.000Z",
  amr: ["hwk", "user"],
  expiresAt: "2026-01-31T12:00:00.000Z",
  device: { browser: "Chrome 131", os: "Android 15", type: "mobile", model: "Pixel 9" },
  risk: { score: 40, reasons: ["new_device"] },
  country: "IN",
};

const device = { id: "kfzcr0I6igrBsJckgUNKNA", createdAt: "2026-01-01T12:00:00.000Z", lastUsedAt: "2026-01-02T08:30:00.000Z", expiresAt: "2026-06-30T12:00:00.000Z" };

const preferences = { locale: "en-GB", marketingConsent: true, marketingConsentChangedAt: "2026-01-02T08:32:00.000Z", displayName: "Asha" };

const activity = [
  { id: "hokwueshok", at: "2026-01-02T08:32:00.000Z", event: "account.consent_changed", outcome: "success", reason: "marketing_given", country: "IN", network: "203.0.113.0/24" },
  { id: "hokwuerd9t", at: "2026-01-02T08:30:00.000Z", event: "biometric.verified", outcome: "success", reason: "unlock", credentialKind: "device_key", country: "IN", network: "203.0.113.0/24" },
  { id: "hokwuemuf3", at: "2026-01-01T12:00:00.000Z", event: "otp.verified", outcome: "success", country: "IN", network: "203.0.113.0/24" },
];

/** Device-key enrolment, as the biometric walk-through sends it (ES256 public key and DER signature, base64). */
const deviceKeyEnrolment = {
  deviceKey: {
    deviceId: DEVICE_ID,
    publicKey: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7RNwf7a8BR2irJx5hDrM4pSZNnj4YlVX1RdBLlQJlMt6YVAfum2gdpBZiwpdbosekv+qE0VeZhpE2Ii/rIFTHA==",
    algorithm: "ES256",
    name: "Pixel 9",
    platform: "android",
  },
  proof: {
    challenge: "RmN9878rTJq_PFoabR7zGI1GDhTRXZTBZyrxnJw4u54",
    signature: "MEUCIQDcJQll9EL1edZ+5qw6nGoTDG6ImGB6z9RiImroh+3U2QIgVl98q+JCa1eKyF9IRjfR2S13CYbvgsFYnIOf/2+k4LI=",
  },
};

/** A passkey registration as @simplewebauthn/browser's startRegistration returns it (attestationObject shortened). */
const passkeyRegistration = {
  biometricData: {
    id: "dGVzdC1wYXNza2V5LWNyZWRlbnRpYWwtaWQ",
    rawId: "dGVzdC1wYXNza2V5LWNyZWRlbnRpYWwtaWQ",
    type: "public-key",
    response: {
      clientDataJSON:
        "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoicnRKeGxxNWk0QjhTT1hWSVA5cmlnYi1PZTNLQzczaE1BVUwtRkdFWFJlRSIsIm9yaWdpbiI6Imh0dHBzOi8vYXBwLmV4YW1wbGUuY29tIiwiY3Jvc3NPcmlnaW4iOmZhbHNlfQ",
      attestationObject: "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVjFSZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2NdAAAAAA",
      transports: ["internal", "hybrid"],
    },
    clientExtensionResults: { credProps: { rk: true } },
    authenticatorAttachment: "platform",
  },
  name: "iPhone passkey",
};

/** A passkey assertion as startAuthentication returns it (values shortened). */
const passkeyAssertion = {
  assertion: {
    id: "dGVzdC1wYXNza2V5LWNyZWRlbnRpYWwtaWQ",
    rawId: "dGVzdC1wYXNza2V5LWNyZWRlbnRpYWwtaWQ",
    type: "public-key",
    response: {
      clientDataJSON:
        "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiVFFHSF80VGd2Qk8ybFc2anlKVTduT0g5MnJaeFpIRm9WbDZ2UWY3VXIzWSIsIm9yaWdpbiI6Imh0dHBzOi8vYXBwLmV4YW1wbGUuY29tIiwiY3Jvc3NPcmlnaW4iOmZhbHNlfQ",
      authenticatorData: "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ",
      signature: "MEUCIQCvQ7j3b1mZpQ2kQx9mS4k9pYV1vK0ZbqZ0dTzX1sQ6PAIgW3w7o2C9a7c6f1tJmZr8eQk5Vd3Lx2b8QhYzq0uQm4E",
      userHandle: "SpWbTRS-3hTkLlAXoeSDK4r30cMW7TqA8WDD44PMncI",
    },
    clientExtensionResults: {},
    authenticatorAttachment: "platform",
  },
};

export const EXAMPLES = {
  registrationOptions: {
    challenge: "rtJxlq5i4B8SOXVIP9rigb-Oe3KC73hMAUL-FGEXReE",
    rp: { name: "edge-phone-auth", id: "example.com" },
    user: { id: "SpWbTRS-3hTkLlAXoeSDK4r30cMW7TqA8WDD44PMncI", name: MASKED_PHONE, displayName: MASKED_PHONE },
    pubKeyCredParams: [
      { alg: -8, type: "public-key" },
      { alg: -7, type: "public-key" },
      { alg: -257, type: "public-key" },
    ],
    timeout: 300000,
    attestation: "none",
    excludeCredentials: [],
    authenticatorSelection: { residentKey: "required", userVerification: "required", requireResidentKey: true },
    extensions: { credProps: true },
    hints: [],
  },
  authenticationOptions: { rpId: "example.com", challenge: "TQGH_4TgvBO2lW6jyJU7nOH92rZxZHFoVl6vQf7Ur3Y", allowCredentials: [], timeout: 300000, userVerification: "required" },
  enableBiometric: {
    deviceKey: { summary: "A device key (Android Keystore, iOS Secure Enclave)", value: deviceKeyEnrolment },
    passkey: { summary: "A passkey (WebAuthn registration response)", value: passkeyRegistration },
  },
  verifyBiometric: {
    deviceSignature: {
      summary: "A device key signs the unlock challenge",
      value: {
        deviceSignature: {
          deviceId: DEVICE_ID,
          challenge: "W5aOj_wihbxikbH7A7PzlKGWAKU_0eu2Xo2rZ6959CU",
          signature: "MEYCIQDJBU2jZTqxXQ3So16Pj2opR3oPAeXaq3zF9zmRQyFpCwIhAMNUtTAF6r9X5q3NLDq64s4Hv0kqVtwbfyC2L5MQNpOx",
        },
      },
    },
    passkey: { summary: "A passkey (WebAuthn authentication response)", value: passkeyAssertion },
  },
  credentials: { credentials: [deviceKeyCredential] },
  credentialRemoved: { removed: true, biometricEnabled: false },
  sessions: { sessions: [session] },
  loggedOutAll: { revoked: 2 },
  phoneChanged: { status: "changed", revokedSessions: 1 },
  account: {
    id: USER_ID,
    phone: MASKED_PHONE,
    createdAt: "2026-01-01T12:00:00.000Z",
    lastLoginAt: "2026-01-02T08:30:00.000Z",
    methods: { sms: true, biometric: true, pin: false },
    credentials: [deviceKeyCredential],
    devices: [device],
    preferences,
  },
  preferences,
  erasurePending: { status: "pending" },
  activity: { entries: activity, nextCursor: "hokwuemuf3" },
  export: {
    format: "edge-phone-auth.export.v1",
    exportedAt: "2026-01-02T08:33:00.000Z",
    user: { id: USER_ID, phone: "+919876543210", createdAt: "2026-01-01T12:00:00.000Z", lastLoginAt: "2026-01-02T08:30:00.000Z", lastSignInCountry: "IN" },
    methods: { sms: true, biometric: true, pin: { enabled: false, wrongAttempts: 0 } },
    sessions: [session],
    credentials: [deviceKeyCredential],
    devices: [device],
    preferences,
    activity,
  },
  assetLinks: [
    {
      relation: ["delegate_permission/common.handle_all_urls", "delegate_permission/common.get_login_creds"],
      target: {
        namespace: "android_app",
        package_name: "com.example.app",
        sha256_cert_fingerprints: ["14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5"],
      },
    },
  ],
  appleAppSiteAssociation: { webcredentials: { apps: ["ABCDE12345.com.example.app"] } },
  smsOutbox: { messages: [{ to: "+919876543210", body: "Your sign-in code is 123456. It expires in 5 minutes. Never share it.", sentAt: "2026-01-01T12:00:00.000Z", channel: "sms" }] },
};
