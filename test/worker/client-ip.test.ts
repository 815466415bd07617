import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clientAddress, ipLimitSubject } from "../../src/domain/client-ip";
import { resetClientIpWarning } from "../../src/middleware/client-ip";
import { call, expectError, PROFILES, uniquePhone, useProfile } from "./helpers";

const headers =
  (h: Record<string, string>) =>
  (name: string): string | undefined =>
    h[name];

afterEach(() => {
  vi.restoreAllMocks();
});

describe("client address and limit subject", () => {
  it("reads only the configured source; with x-forwarded-for, the entry TRUSTED_PROXY_HOPS from the right", () => {
    const h = headers({ "cf-connecting-ip": "203.0.113.1", "x-forwarded-for": "10.9.9.9, 198.51.100.7, 192.0.2.50" });
    expect(clientAddress(h, "cf-connecting-ip", 1)).toBe("203.0.113.1");
    expect(clientAddress(h, "x-forwarded-for", 1)).toBe("192.0.2.50");
    expect(clientAddress(h, "x-forwarded-for", 2)).toBe("198.51.100.7");
    // Fewer entries than trusted hops: nothing in it can be trusted.
    expect(clientAddress(h, "x-forwarded-for", 4)).toBeNull();
    expect(clientAddress(headers({ "x-forwarded-for": "192.0.2.9" }), "cf-connecting-ip", 1)).toBeNull();
    expect(clientAddress(headers({ "cf-connecting-ip": "192.0.2.9" }), "x-forwarded-for", 1)).toBeNull();
  });

  it("normalises valid IPv4/IPv6 (IPv6 per /64) and puts anything unparseable in one invalid bucket", () => {
    expect(ipLimitSubject("203.0.113.7")).toBe("203.0.113.7");
    expect(ipLimitSubject("203.0.113.7:443")).toBe("203.0.113.7");
    expect(ipLimitSubject("2001:DB8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(ipLimitSubject("[2001:db8:1:2::9]:443")).toBe("2001:db8:1:2::/64");
    expect(ipLimitSubject("::ffff:192.0.2.1")).toBe("192.0.2.1");
    for (const bad of ["not-an-ip", "127.1", "0x7f.0.0.1", "256.1.1.1", "1.2.3.4.5", "2001:db8:::1", "a".repeat(70), "192.0.2.1 ", "<script>"]) {
      expect(ipLimitSubject(bad), bad).toBe("invalid");
    }
    expect(ipLimitSubject(null)).toBe("unknown");
  });
});

describe.each(PROFILES)("per-IP limits follow CLIENT_IP_SOURCE ($name profile)", (profile) => {
  beforeEach(() => {
    useProfile(profile);
  });

  it("SEND-02: a rotating spoofed X-Forwarded-For with a fixed CF-Connecting-IP still hits the limit", async () => {
    const settings = { IP_SEND_LIMIT: "3" };
    const ip = `203.0.113.${10 + PROFILES.indexOf(profile)}`;
    for (let i = 0; i < 3; i++) {
      const res = await call("/auth/request-otp", { body: { phone: uniquePhone() }, ip, settings, headers: { "x-forwarded-for": `198.18.0.${i}` } });
      expect(res.status).toBe(200);
    }
    const spoofed = await call("/auth/request-otp", { body: { phone: uniquePhone() }, ip, settings, headers: { "x-forwarded-for": "198.18.1.1" } });
    await expectError(spoofed, 429, "rate_limited");
  });

  it("SEND-02: behind a trusted proxy (x-forwarded-for, 1 hop) the proxy's entry counts, not the client's own entries or CF-Connecting-IP", async () => {
    const client = `192.0.2.${200 + PROFILES.indexOf(profile)}`;
    const settings = { IP_SEND_LIMIT: "3", CLIENT_IP_SOURCE: "x-forwarded-for", TRUSTED_PROXY_HOPS: "1" };
    for (let i = 0; i < 3; i++) {
      // The client forges entries on the left and a different CF-Connecting-IP each time.
      const res = await call("/auth/request-otp", {
        body: { phone: uniquePhone() },
        ip: `198.18.2.${i}`,
        settings,
        headers: { "x-forwarded-for": `198.18.3.${i}, ${client}` },
      });
      expect(res.status).toBe(200);
    }
    const blocked = await call("/auth/request-otp", { body: { phone: uniquePhone() }, ip: "198.18.2.99", settings, headers: { "x-forwarded-for": `8.8.8.8, ${client}` } });
    await expectError(blocked, 429, "rate_limited");
  });

  it("SEND-02: unparseable addresses share one invalid bucket instead of minting one bucket each", async () => {
    // A separate limit value per profile keeps the shared bucket of one profile's run from the other's.
    const settings = { IP_SEND_LIMIT: "2", IP_WINDOW_SECONDS: String(20 + PROFILES.indexOf(profile)) };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await call("/auth/request-otp", { body: { phone: uniquePhone() }, ip: `garbage-${crypto.randomUUID()}`, settings })).status);
    }
    expect(statuses.slice(-2)).toEqual([429, 429]);
  });
});

describe("deployment warning", () => {
  it("a request with no client address is logged once per isolate as a deployment warning", async () => {
    resetClientIpWarning();
    const lines: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    await call("/auth/request-otp", { body: { phone: uniquePhone() }, ip: null, settings: { IP_WINDOW_SECONDS: "11" } });
    await call("/auth/request-otp", { body: { phone: uniquePhone() }, ip: null, settings: { IP_WINDOW_SECONDS: "11" } });
    const warnings = lines.filter((l) => l.includes('"deployment_warning"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: "warn", problem: "no_client_address" });
  });
});
