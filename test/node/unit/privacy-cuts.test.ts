import { describe, expect, it } from "vitest";
import { anonymisedNetwork, ipLimitSubject } from "../../../src/domain/client-ip";
import { toBase64url } from "../../../src/lib/crypto";
import { encryptPhone, phoneHash, secretKeys } from "../../../src/lib/keys";

const secret = (): string => toBase64url(crypto.getRandomValues(new Uint8Array(32)));

describe("network cuts for logs and the audit trail (pure)", () => {
  it("LOG-01: IPv4 is cut to its /24 and IPv6 to its /48; shared buckets have no network", () => {
    expect(anonymisedNetwork(ipLimitSubject("203.0.113.77"))).toBe("203.0.113.0/24");
    expect(anonymisedNetwork(ipLimitSubject("2001:db8:abcd:12:1:2:3:4"))).toBe("2001:db8:abcd::/48");
    // Compressed spellings cut the same way (the /64 subject is spelled out first).
    expect(anonymisedNetwork(ipLimitSubject("2001:db8::1"))).toBe("2001:db8:0::/48");
    expect(anonymisedNetwork(ipLimitSubject("::ffff:198.51.100.9"))).toBe("198.51.100.0/24");
    expect(anonymisedNetwork(ipLimitSubject(null))).toBeNull();
    expect(anonymisedNetwork(ipLimitSubject("not an address"))).toBeNull();
  });
});

describe("blind index key (pure)", () => {
  it("DATA-01: PHONE_INDEX_KEY keys the blind index, and the index does not change with the encryption keyring", async () => {
    const base = { otpPepper: secret(), phoneDataKey: secret(), pinPepper: secret() };
    const indexKey = secret();
    const derived = await secretKeys({ ...base, phoneDataKeys: [], phoneIndexKey: null });
    const own = await secretKeys({ ...base, phoneDataKeys: [], phoneIndexKey: indexKey });
    const rotated = await secretKeys({ ...base, phoneDataKeys: [{ id: "k2", secret: secret() }], phoneIndexKey: indexKey });
    const otherIndex = await secretKeys({ ...base, phoneDataKeys: [], phoneIndexKey: secret() });
    const phone = "+919876543210";
    expect(await phoneHash(own, phone)).not.toBe(await phoneHash(derived, phone));
    expect(await phoneHash(own, phone)).not.toBe(await phoneHash(otherIndex, phone));
    expect(await phoneHash(rotated, phone)).toBe(await phoneHash(own, phone));
    // Encryption under the keyring does not depend on the index key.
    expect((await encryptPhone(rotated, phone)).startsWith("v1.k2.")).toBe(true);
  });
});
