/**
 * Metrics (issue 14): one Analytics Engine data point per auth event through
 * the real Worker, in the positions the dashboards' SQL reads (blob1 event …,
 * double1 count …), with no phone number, user, session or message id; the
 * structured-log adapter where Analytics Engine is not bound (self-hosted).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { prefixId } from "../../src/domain/budgets";
import { METRIC_BLOBS, METRIC_DOUBLES } from "../../src/domain/metrics";
import { parseE164 } from "../../src/domain/phone";
import { call, captureLogs, expectError, latestCode, PROFILES, services, snsSettings, testEnv, twilioReceived, twilioScenario, twilioSettings, uniqueIp, uniquePhone, useProfile, wrongCode } from "./helpers";

interface Recorded {
  indexes: string[];
  blobs: string[];
  doubles: number[];
}

/** An Analytics Engine dataset that keeps what it is given (the real one has no local store to read back). */
function recordingDataset(): AnalyticsEngineDataset & { points: Recorded[] } {
  const points: Recorded[] = [];
  return {
    points,
    writeDataPoint(point?: AnalyticsEngineDataPoint): void {
      points.push({ indexes: (point?.indexes ?? []) as string[], blobs: (point?.blobs ?? []) as string[], doubles: point?.doubles ?? [] });
    },
  };
}

const blob = (p: Recorded, name: (typeof METRIC_BLOBS)[number]): string | undefined => p.blobs[METRIC_BLOBS.indexOf(name)];
const double = (p: Recorded, name: (typeof METRIC_DOUBLES)[number]): number | undefined => p.doubles[METRIC_DOUBLES.indexOf(name)];
const pointsOf = (points: Recorded[], event: string): Recorded[] => points.filter((p) => blob(p, "event") === event);

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(PROFILES)("metrics ($name profile)", (profile) => {
  beforeEach(() => useProfile(profile));

  it("a sign-in writes otp.sent and otp.verified points with their labels and numbers, and nothing that identifies anyone", async () => {
    const METRICS = recordingDataset();
    const settings = { ...twilioSettings(), METRICS, SMS_COST_ESTIMATES: "*:0.05,IN:0.0042" };
    const phone = uniquePhone();
    const ip = uniqueIp();
    // The fake Twilio answers after 80 ms: the point times the provider request.
    await twilioScenario(phone, { delayMs: 80 });
    const lines = captureLogs();
    expect((await call("/auth/request-otp", { body: { phone }, ip, settings })).status).toBe(200);
    vi.restoreAllMocks();
    const code = /\d{6}/.exec((await twilioReceived(phone)).at(-1)!.Body)![0];
    const res = await call("/auth/verify-otp", { body: { phone, otp: code }, ip, settings });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; user: { id: string } };

    const prefix = (await prefixId((await services({}, settings)).keys, parseE164(phone)!)).slice(0, 12);
    const [sent] = pointsOf(METRICS.points, "otp.sent");
    expect(sent).toBeDefined();
    expect(sent!.indexes).toEqual(["otp.sent"]);
    expect(sent!.blobs).toHaveLength(METRIC_BLOBS.length);
    expect(sent!.doubles).toHaveLength(METRIC_DOUBLES.length);
    expect({ outcome: blob(sent!, "outcome"), country: blob(sent!, "country"), prefix: blob(sent!, "prefix"), provider: blob(sent!, "provider"), channel: blob(sent!, "channel"), purpose: blob(sent!, "purpose") }).toEqual({
      outcome: "success",
      country: "IN",
      prefix,
      provider: "twilio",
      channel: "sms",
      purpose: "sign_in",
    });
    expect(double(sent!, "count")).toBe(1);
    // The estimate for the number's country, not the `*` one.
    expect(double(sent!, "costUsd")).toBe(0.0042);
    expect(double(sent!, "latencyMs")).toBeGreaterThanOrEqual(80);
    expect(double(sent!, "latencyMs")).toBeLessThan(1000);
    // The log line carries the same 12 hex digits, never the whole keyed id.
    const sentLine = JSON.parse(lines.find((l) => l.includes('"event":"otp.sent"'))!) as { prefix: string };
    expect(sentLine.prefix).toBe(prefix);

    const [verified] = pointsOf(METRICS.points, "otp.verified");
    expect({ method: blob(verified!, "method"), purpose: blob(verified!, "purpose"), prefix: blob(verified!, "prefix"), country: blob(verified!, "country") }).toEqual({ method: "otp", purpose: "sign_in", prefix, country: "IN" });
    expect(double(verified!, "costUsd")).toBe(0);
    expect(pointsOf(METRICS.points, "session.created")).toHaveLength(1);

    const everything = JSON.stringify(METRICS.points);
    for (const secret of [phone, phone.slice(1), phone.slice(-9), body.user.id, body.token, code]) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/SM[0-9a-f]{32}/);
  });

  it("a refused request is a point with its rule; a lockout is an otp.locked point", async () => {
    const METRICS = recordingDataset();
    const phone = uniquePhone();
    const settings = { METRICS, SMS_PREFIX_HOURLY_LIMIT: "1" };
    // Another number of the same block of 1,000 uses the prefix's hour.
    const neighbour = `${phone.slice(0, -1)}${(Number(phone.at(-1)) + 1) % 10}`;
    expect((await call("/auth/request-otp", { body: { phone: neighbour }, settings })).status).toBe(200);
    await expectError(await call("/auth/request-otp", { body: { phone }, settings }), 429, "rate_limited");
    const refused = pointsOf(METRICS.points, "otp.requested");
    expect(refused.map((p) => [blob(p, "outcome"), blob(p, "reason")])).toEqual([["denied", "prefix_hourly"]]);
    expect(blob(refused[0]!, "prefix")).toMatch(/^[0-9a-f]{12}$/);

    const code = await latestCode(neighbour);
    for (let i = 0; i < 3; i++) await call("/auth/verify-otp", { body: { phone: neighbour, otp: wrongCode(code) }, ip: uniqueIp(), settings });
    expect(pointsOf(METRICS.points, "otp.failed").length + pointsOf(METRICS.points, "otp.locked").length).toBe(3);
    expect(pointsOf(METRICS.points, "otp.locked")).toHaveLength(1);
  });

  it("the global budget's trip names the number's prefix; a send after a line-type lookup carries the line type", async () => {
    const METRICS = recordingDataset();
    const first = uniquePhone();
    const second = uniquePhone();
    const settings = { METRICS, SMS_DAILY_BUDGET: "1" };
    // Other tests' sends of this UTC day may have spent the budget already: the trip is what counts here.
    await call("/auth/request-otp", { body: { phone: first }, settings });
    await expectError(await call("/auth/request-otp", { body: { phone: second }, settings }), 503, "service_unavailable");
    const trip = pointsOf(METRICS.points, "budget.tripped").at(-1)!;
    expect(blob(trip, "reason")).toBe("daily_budget");
    expect(blob(trip, "prefix")).toBe((await prefixId((await services()).keys, parseE164(second)!)).slice(0, 12));

    const looked = recordingDataset();
    const lookup = { ...twilioSettings(), METRICS: looked, LOOKUP_PROVIDER: "twilio", TWILIO_LOOKUP_BASE: testEnv.FAKE_LOOKUP_URL, LOOKUP_TIMEOUT_MS: "500" };
    expect((await call("/auth/request-otp", { body: { phone: uniquePhone() }, settings: lookup })).status).toBe(200);
    expect(blob(pointsOf(looked.points, "otp.sent")[0]!, "lineType")).toBe("mobile");
  });

  it("each provider attempt is timed on its own: a refusal after 80 ms, then the fallback's quick send; no answer at all is timed to the deadline", async () => {
    const METRICS = recordingDataset();
    const phone = uniquePhone();
    await twilioScenario(phone, { status: 503, delayMs: 80 });
    const settings = { ...twilioSettings(), ...snsSettings(), SMS_FALLBACK_PROVIDER: "sns", METRICS };
    expect((await call("/auth/request-otp", { body: { phone }, settings })).status).toBe(200);
    const [failed] = pointsOf(METRICS.points, "otp.send_failed");
    const [sent] = pointsOf(METRICS.points, "otp.sent");
    expect(blob(failed!, "provider")).toBe("twilio");
    expect(double(failed!, "latencyMs")).toBeGreaterThanOrEqual(80);
    expect(blob(sent!, "provider")).toBe("sns");
    expect(double(sent!, "latencyMs")).toBeLessThan(80);

    const silent = recordingDataset();
    const slow = uniquePhone();
    await twilioScenario(slow, { delayMs: 3000 });
    expect((await call("/auth/request-otp", { body: { phone: slow }, settings: { ...twilioSettings(), METRICS: silent } })).status).toBe(200);
    const [unconfirmed] = pointsOf(silent.points, "otp.send_unconfirmed");
    // TWILIO_TIMEOUT_MS is 1000 in the test settings.
    expect(double(unconfirmed!, "latencyMs")).toBeGreaterThanOrEqual(1000);
    expect(double(unconfirmed!, "latencyMs")).toBeLessThan(3000);
  });

  it("without an Analytics Engine binding (self-hosted), each event is one metric log line with named fields", async () => {
    const lines = captureLogs();
    const phone = uniquePhone();
    expect((await call("/auth/request-otp", { body: { phone }, settings: { METRICS: undefined } })).status).toBe(200);
    vi.restoreAllMocks();
    const metrics = lines.filter((l) => l.includes('"type":"metric"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ level: "info", type: "metric", event: "otp.sent", outcome: "success", country: "IN", provider: "console", channel: "sms", purpose: "sign_in", count: 1 });
    expect(metrics[0]!.prefix).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.stringify(metrics)).not.toContain(phone.slice(-9));
  });

  it("METRICS_SINK=none writes nothing; analytics-engine without the binding is a misconfiguration", async () => {
    const METRICS = recordingDataset();
    const lines = captureLogs();
    expect((await call("/auth/request-otp", { body: { phone: uniquePhone() }, settings: { METRICS, METRICS_SINK: "none" } })).status).toBe(200);
    vi.restoreAllMocks();
    expect(METRICS.points).toEqual([]);
    expect(lines.filter((l) => l.includes('"type":"metric"'))).toEqual([]);
    await expectError(await call("/auth/request-otp", { body: { phone: uniquePhone() }, settings: { METRICS: undefined, METRICS_SINK: "analytics-engine" } }), 503, "service_misconfigured");
  });

  it("a dataset that throws loses its point, never the request", async () => {
    const METRICS: AnalyticsEngineDataset = {
      writeDataPoint: () => {
        throw new Error("dataset unavailable");
      },
    };
    const lines = captureLogs();
    const phone = uniquePhone();
    expect((await call("/auth/request-otp", { body: { phone }, settings: { METRICS } })).status).toBe(200);
    vi.restoreAllMocks();
    expect(lines.some((l) => l.includes('"type":"metrics_failed"'))).toBe(true);
    expect(lines.some((l) => l.includes('"type":"auth_event"') && l.includes('"event":"otp.sent"'))).toBe(true);
  });
});
