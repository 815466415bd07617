import { describe, expect, it } from "vitest";
import type { ChallengeRecord, ChallengeStore } from "../../src/domain/biometric-ports";
import { rid } from "./util";

/** A challenge id shaped like the domain's (base64url SHA-256). */
const challengeId = (): string => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Behaviour every ChallengeStore adapter must have. */
export function challengeStoreContract(name: string, make: () => ChallengeStore | Promise<ChallengeStore>): void {
  describe(`ChallengeStore contract: ${name}`, () => {
    const record = (over: Partial<ChallengeRecord> = {}): ChallengeRecord => ({
      purpose: "passkey_register",
      userId: rid(),
      deviceId: null,
      expiresAt: Date.now() + 60_000,
      ...over,
    });

    it("BIO-01: a challenge is returned once, with its binding, and never again", async () => {
      const store = await make();
      const id = challengeId();
      const r = record({ purpose: "device_unlock", deviceId: rid(8) });
      await store.put(id, r);
      expect(await store.take(id, Date.now())).toEqual(r);
      expect(await store.take(id, Date.now())).toBeNull();
      expect(await store.take(challengeId(), Date.now())).toBeNull();
    });

    it("BIO-01: of 10 concurrent takes of one challenge exactly one gets it", async () => {
      const store = await make();
      const id = challengeId();
      await store.put(id, record({ userId: null, purpose: "passkey_sign_in" }));
      const takes = await Promise.all(Array.from({ length: 10 }, () => store.take(id, Date.now())));
      expect(takes.filter((t) => t !== null)).toHaveLength(1);
    });

    it("BIO-01: an expired challenge is refused (and gone)", async () => {
      const store = await make();
      const id = challengeId();
      const r = record({ expiresAt: Date.now() + 60_000 });
      await store.put(id, r);
      expect(await store.take(id, r.expiresAt)).toBeNull();
      expect(await store.take(id, Date.now())).toBeNull();
    });

    it("keeps challenges apart", async () => {
      const store = await make();
      const [a, b] = [challengeId(), challengeId()];
      const [ra, rb] = [record(), record({ purpose: "device_enroll", deviceId: "d1" })];
      await Promise.all([store.put(a, ra), store.put(b, rb)]);
      expect(await store.take(b, Date.now())).toEqual(rb);
      expect(await store.take(a, Date.now())).toEqual(ra);
    });
  });
}
