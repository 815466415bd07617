/**
 * The Grafana dashboard (deploy/grafana/dashboard.json) over the Workers
 * Analytics Engine dataset the metrics port writes (src/domain/metrics.ts):
 *  - it is importable: title, uid, a recent schemaVersion, a data source
 *    input for the Altinity ClickHouse plugin and a `${DS}` variable that
 *    every panel and target uses;
 *  - every panel has a raw SQL target that reads `edge_phone_auth` only,
 *    filters on the event (`index1`), names only the dataset's columns
 *    (blob1…/double1… as METRIC_BLOBS / METRIC_DOUBLES define them, index1,
 *    timestamp, _sample_interval) and functions the Analytics Engine SQL API
 *    documents, and weights every count, sum, mean and quantile by
 *    `_sample_interval` (no COUNT(), AVG() or bare SUM(double1));
 *  - every event, outcome and purpose the SQL compares with exists in
 *    src/domain/ports.ts;
 *  - time-series queries have the shape the plugin turns into series (time
 *    column `t` first; GROUP BY keys are SELECT aliases; one value per key);
 *  - docs/operations.md shows each panel's SQL verbatim under a heading
 *    naming the panel, and its other SQL (the alerts) obeys the same rules.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { METRIC_BLOBS, METRIC_DOUBLES } from "../../src/domain/metrics";
import { OTP_PURPOSES } from "../../src/domain/ports";
import { list, obj, str, type Json } from "../support/json-shape";


const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DATASET = "edge_phone_auth";
const PLUGIN = "vertamedia-clickhouse-datasource";


// ---------------------------------------------------------------- what the app writes

const portsSource = readFileSync(join(root, "src", "domain", "ports.ts"), "utf8");

/** The members of a string-literal union declared in ports.ts (`export type Name = "a" | "b";`). */
function unionMembers(source: string, pattern: RegExp): Set<string> {
  const body = pattern.exec(source)?.[1];
  if (!body) throw new Error(`ports.ts: ${pattern} not found`);
  return new Set([...body.matchAll(/"([^"]+)"/g)].map((m) => m[1]!));
}

const EVENT_NAMES = unionMembers(portsSource, /export type AuthEventName =([^;]+);/);
const OUTCOMES = unionMembers(portsSource, /\n\s*outcome: ("[^;\n]+);/);
const PURPOSES = new Set<string>(OTP_PURPOSES);

/** The dataset's columns: the blobs and doubles the metrics port writes, by position, and those Analytics Engine adds. */
const COLUMNS = new Set<string>([
  ...METRIC_BLOBS.map((_, i) => `blob${i + 1}`),
  ...METRIC_DOUBLES.map((_, i) => `double${i + 1}`),
  "index1",
  "timestamp",
  "_sample_interval",
]);

// ---------------------------------------------------------------- the SQL rules

const KEYWORDS = new Set(["select", "as", "from", "where", "and", "or", "not", "in", "group", "by", "order", "having", "limit", "asc", "desc", "interval", "day", "hour", "minute", "second", "between", "like"]);
/** Functions of the Analytics Engine SQL reference that the queries may use. Aggregates among them: sum and quantileExactWeighted, both checked for weighting below. */
const FUNCTIONS = new Set(["sum", "if", "intdiv", "touint32", "quantileexactweighted", "now", "tostartofinterval", "round"]);
/** Aggregates that ignore _sample_interval: their result is wrong once Analytics Engine samples. */
const UNWEIGHTED = new Set(["count", "avg", "min", "max", "quantile", "quantiles", "median", "quantileweighted", "topk", "uniq", "any"]);

/** The text inside the parentheses that open at `open`. */
function parenthesised(sql: string, open: number): string {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    if (sql[i] === "(") depth++;
    else if (sql[i] === ")" && --depth === 0) return sql.slice(open + 1, i);
  }
  throw new Error(`unbalanced parentheses after: ${sql.slice(open, open + 40)}`);
}

/** Splits on commas outside parentheses. */
function topLevelItems(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    else if (text[i] === "," && depth === 0) {
      items.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(text.slice(start).trim());
  return items.filter((s) => s !== "");
}

interface Analysis {
  problems: string[];
  /** Grafana variables the query uses (`${name}`). */
  variables: string[];
  /** SELECT items' aliases, in order. */
  aliases: string[];
  groupBy: string[];
}

/** Checks one query against the rules above; returns what is wrong (nothing, when it passes). */
function analyse(sql: string): Analysis {
  const problems: string[] = [];
  const literals = [...sql.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
  const variables = [...sql.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!);
  // Literals, Grafana variables and the plugin's macros ($timeSeries, $timeFilter) out of the way.
  const bare = sql.replace(/'[^']*'/g, "''").replace(/\$\{\w+\}/g, "0").replace(/\$\w+/g, "0");
  if (/--|\/\*/.test(bare)) problems.push("comments are not allowed (the plugin's comment handling and the SQL API disagree)");

  const froms = [...bare.matchAll(/\bFROM\s+([A-Za-z_][\w.]*|\()/gi)].map((m) => m[1]!);
  if (froms.length !== 1 || froms[0] !== DATASET) problems.push(`must read FROM ${DATASET} exactly once (found ${JSON.stringify(froms)})`);

  // Identifiers: keywords, known functions, aliases, or the dataset's columns.
  const tokens = [...bare.matchAll(/[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|<=|>=|!=|<>|''|[(),*/+\-=<>%]/g)].map((m) => m[0]);
  const aliasesDeclared = new Set<string>();
  const columnsUsed: string[] = [];
  tokens.forEach((token, i) => {
    if (!/^[A-Za-z_]/.test(token)) return;
    const lower = token.toLowerCase();
    if (tokens[i - 1]?.toLowerCase() === "as") {
      aliasesDeclared.add(token);
      return;
    }
    if (KEYWORDS.has(lower)) return;
    if (tokens[i + 1] === "(") {
      if (UNWEIGHTED.has(lower)) problems.push(`unweighted aggregate ${token}(): weight by _sample_interval instead`);
      else if (!FUNCTIONS.has(lower)) problems.push(`function ${token}() is not in the allowed list`);
      return;
    }
    if (token === DATASET && tokens[i - 1]?.toLowerCase() === "from") return;
    columnsUsed.push(token);
  });
  for (const column of columnsUsed) {
    if (!COLUMNS.has(column) && !aliasesDeclared.has(column)) problems.push(`unknown column ${column}`);
  }

  // Weighting: every SUM over _sample_interval, every quantile weighted by it.
  if (!bare.includes("_sample_interval")) problems.push("never uses _sample_interval");
  for (const m of bare.matchAll(/\bsum\s*\(/gi)) {
    const argument = parenthesised(bare, m.index + m[0].length - 1);
    if (!argument.includes("_sample_interval")) problems.push(`SUM(${argument}) is not weighted by _sample_interval`);
  }
  const quantiles = [...bare.matchAll(/\bquantileExactWeighted\b/gi)].length;
  const weightedQuantiles = [...bare.matchAll(/\bquantileExactWeighted\(\s*0?\.\d+\s*\)\(\s*double\d+\s*,\s*_sample_interval\s*\)/g)].length;
  if (quantiles !== weightedQuantiles) problems.push("quantileExactWeighted must read quantileExactWeighted(q)(doubleN, _sample_interval)");

  // The event filter, and the values compared with.
  if (!/\bindex1\s*(?:=|IN\s*\()/i.test(bare)) problems.push("must filter on the event (index1 = '…' or index1 IN (…))");
  const events = literals.filter((l) => /^[a-z]+\.[a-z_]+$/.test(l));
  if (events.length === 0) problems.push("names no event");
  for (const event of events) if (!EVENT_NAMES.has(event)) problems.push(`'${event}' is not an AuthEventName`);
  for (const m of sql.matchAll(/\bblob2\s*(?:=|!=)\s*'([^']*)'/g)) if (!OUTCOMES.has(m[1]!)) problems.push(`'${m[1]}' is not an outcome`);
  for (const m of sql.matchAll(/\bblob10\s*(?:=|!=)\s*'([^']*)'/g)) if (!PURPOSES.has(m[1]!)) problems.push(`'${m[1]}' is not a purpose`);

  // The SELECT list's aliases and the GROUP BY list (for the series shape).
  const select = /^\s*SELECT\s+([\s\S]+?)\s+FROM\s/i.exec(bare)?.[1] ?? "";
  const aliases = topLevelItems(select).map((item) => /\bAS\s+(\w+)$/i.exec(item)?.[1] ?? "");
  if (aliases.some((a) => a === "")) problems.push("every SELECT item needs an alias (AS name)");
  const groupText = /\bGROUP\s+BY\s+([\s\S]+?)(?:\s+HAVING\s|\s+ORDER\s+BY\s|\s+LIMIT\s|$)/i.exec(bare)?.[1] ?? "";
  return { problems, variables, aliases, groupBy: topLevelItems(groupText) };
}

/** The Altinity plugin builds time series from the first column (time) and names a series after the GROUP BY keys, so one value per key. */
function seriesShapeProblems(a: Analysis): string[] {
  const problems: string[] = [];
  if (a.aliases[0] !== "t") problems.push("a time series' first SELECT item must be the time column AS t");
  if (!a.groupBy.includes("t")) problems.push("a time series must GROUP BY t");
  const keys = a.groupBy.filter((g) => g !== "t");
  for (const key of keys) if (!a.aliases.includes(key)) problems.push(`GROUP BY ${key} must be a SELECT alias (the plugin names series by the row's column)`);
  const values = a.aliases.filter((alias) => alias !== "t" && !keys.includes(alias));
  if (keys.length > 0 && values.length !== 1) problems.push(`with GROUP BY keys there must be exactly one value column (found ${values.join(", ")})`);
  return problems;
}

// ---------------------------------------------------------------- the files

const dashboardText = readFileSync(join(root, "deploy", "grafana", "dashboard.json"), "utf8");
const operations = readFileSync(join(root, "docs", "operations.md"), "utf8");
const normalise = (s: string): string => s.replace(/\s+/g, " ").trim();

interface PanelTarget {
  panel: string;
  refId: string;
  sql: string;
  format: string;
  target: Json;
}

function readDashboard(): { dashboard: Json; panels: Json[]; targets: PanelTarget[] } {
  const dashboard = obj(JSON.parse(dashboardText), "dashboard.json");
  const panels = list(dashboard.panels, "panels").map((p, i) => obj(p, `panels[${i}]`));
  const targets = panels.flatMap((panel, i) => {
    const title = str(panel.title, `panels[${i}].title`);
    return list(panel.targets ?? [], `${title}.targets`).map((t, j): PanelTarget => {
      const target = obj(t, `${title}.targets[${j}]`);
      return { panel: title, refId: str(target.refId, `${title}.targets[${j}].refId`), sql: str(target.query, `${title}.targets[${j}].query`), format: str(target.format, `${title}.targets[${j}].format`), target };
    });
  });
  return { dashboard, panels, targets };
}

const { dashboard, panels, targets } = readDashboard();

describe("deploy/grafana/dashboard.json", () => {
  it("is an importable dashboard: title, uid, a recent schema, panels with unique ids and titles", () => {
    expect(str(dashboard.title, "title")).not.toBe("");
    expect(str(dashboard.uid, "uid")).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(dashboard.schemaVersion).toEqual(expect.any(Number));
    expect(dashboard.schemaVersion as number).toBeGreaterThanOrEqual(39);
    expect(panels.length).toBeGreaterThan(0);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const titles = panels.map((p) => p.title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it("asks for an Altinity ClickHouse data source on import and uses it through the ${DS} variable everywhere", () => {
    const inputs = list(dashboard.__inputs, "__inputs").map((x, i) => obj(x, `__inputs[${i}]`));
    const dsInput = inputs.find((i) => i.type === "datasource");
    expect(dsInput?.pluginId).toBe(PLUGIN);
    const variables = list(obj(dashboard.templating, "templating").list, "templating.list").map((v, i) => obj(v, `templating.list[${i}]`));
    const ds = variables.find((v) => v.name === "DS");
    expect(ds?.type).toBe("datasource");
    expect(ds?.query).toBe(PLUGIN);
    expect(obj(ds?.current, "DS.current").value).toBe(`\${${str(dsInput?.name, "input name")}}`);
    // Every constant the import asks for feeds a variable.
    for (const input of inputs.filter((i) => i.type === "constant")) {
      expect(variables.some((v) => v.type === "constant" && v.query === `\${${str(input.name, "input name")}}`), `constant ${String(input.name)}`).toBe(true);
    }
    for (const panel of panels) {
      expect(panel.datasource, String(panel.title)).toEqual({ type: PLUGIN, uid: "${DS}" });
    }
    for (const t of targets) expect(t.target.datasource, t.panel).toEqual({ type: PLUGIN, uid: "${DS}" });
  });

  it("has at least one raw SQL target on every panel, with the plugin's time column set for its macros", () => {
    for (const panel of panels) {
      const own = targets.filter((t) => t.panel === panel.title);
      expect(own.length, String(panel.title)).toBeGreaterThan(0);
      for (const t of own) {
        expect(t.sql.trim(), t.panel).not.toBe("");
        expect(t.target.editorMode, t.panel).toBe("sql");
        expect(["time_series", "table"], t.panel).toContain(t.format);
        // $timeSeries and $timeFilter need Column:DateTime = timestamp (Cloudflare's Grafana guide).
        if (/\$time(Series|Filter)\b/.test(t.sql)) {
          expect(t.target.dateTimeColDataType, t.panel).toBe("timestamp");
          expect(t.target.dateTimeType, t.panel).toBe("DATETIME");
        }
      }
    }
  });

  it("every target reads edge_phone_auth, filters on a real event, names only the dataset's columns and weights by _sample_interval", () => {
    const failures = targets.map((t) => ({ panel: t.panel, problems: analyse(t.sql).problems })).filter((f) => f.problems.length > 0);
    expect(failures).toEqual([]);
  });

  it("time series queries have the shape the plugin turns into series", () => {
    const failures = targets
      .filter((t) => t.format === "time_series")
      .map((t) => ({ panel: t.panel, problems: seriesShapeProblems(analyse(t.sql)) }))
      .filter((f) => f.problems.length > 0);
    expect(failures).toEqual([]);
  });

  it("uses only variables the dashboard defines", () => {
    const names = new Set(list(obj(dashboard.templating, "templating").list, "templating.list").map((v, i) => str(obj(v, `templating.list[${i}]`).name, "variable name")));
    for (const t of targets) for (const v of analyse(t.sql).variables) expect(names.has(v), `${t.panel}: \${${v}}`).toBe(true);
  });
});

describe("docs/operations.md", () => {
  it("shows each panel's SQL verbatim under a heading that names the panel", () => {
    const lines = operations.split("\n");
    for (const t of targets) {
      const heading = lines.findIndex((l) => /^#{2,6} /.test(l) && l.replace(/^#+ /, "").trim() === t.panel);
      expect(heading, `no heading "${t.panel}"`).toBeGreaterThanOrEqual(0);
      const next = lines.findIndex((l, i) => i > heading && /^#{1,6} /.test(l));
      const section = lines.slice(heading + 1, next === -1 ? undefined : next).join("\n");
      expect(normalise(section), `the SQL of "${t.panel}"`).toContain(normalise(t.sql));
    }
  });

  it("every other SQL block over the dataset (the alerts) obeys the same rules", () => {
    const blocks = [...operations.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim()).filter((sql) => sql.includes(DATASET));
    const panelSql = new Set(targets.map((t) => normalise(t.sql)));
    const others = blocks.filter((sql) => !panelSql.has(normalise(sql)));
    expect(others.length).toBeGreaterThan(0);
    const failures = others.map((sql) => ({ sql: sql.slice(0, 80), problems: analyse(sql).problems })).filter((f) => f.problems.length > 0);
    expect(failures).toEqual([]);
  });
});

describe("the SQL rules themselves", () => {
  const good = targets[0]!.sql;

  it("pass the dashboard's first query", () => {
    expect(analyse(good).problems).toEqual([]);
  });

  it.each([
    ["an unweighted count", "SELECT COUNT() AS n FROM edge_phone_auth WHERE index1 = 'otp.sent'", /unweighted aggregate COUNT/],
    ["a bare SUM(double1)", "SELECT SUM(double1) AS n, SUM(_sample_interval) AS m FROM edge_phone_auth WHERE index1 = 'otp.sent'", /SUM\(double1\) is not weighted/],
    ["an unweighted mean", "SELECT AVG(double2) AS ms, SUM(_sample_interval) AS n FROM edge_phone_auth WHERE index1 = 'otp.sent'", /unweighted aggregate AVG/],
    ["an unweighted quantile", "SELECT quantileExactWeighted(0.5)(double2, double1) AS p, SUM(_sample_interval) AS n FROM edge_phone_auth WHERE index1 = 'otp.sent'", /quantileExactWeighted must read/],
    ["a column past METRIC_BLOBS", "SELECT blob11 AS x, SUM(_sample_interval) AS n FROM edge_phone_auth WHERE index1 = 'otp.sent' GROUP BY x", /unknown column blob11/],
    ["another table", "SELECT SUM(_sample_interval) AS n FROM other_dataset WHERE index1 = 'otp.sent'", /must read FROM edge_phone_auth/],
    ["no event filter", "SELECT SUM(_sample_interval) AS n FROM edge_phone_auth WHERE blob3 = 'IN'", /must filter on the event/],
    ["an event that does not exist", "SELECT SUM(_sample_interval) AS n FROM edge_phone_auth WHERE index1 = 'otp.delivered'", /'otp.delivered' is not an AuthEventName/],
    ["an outcome that does not exist", "SELECT SUM(_sample_interval) AS n FROM edge_phone_auth WHERE index1 = 'sms.status' AND blob2 = 'delivered'", /'delivered' is not an outcome/],
  ])("catch %s", (_name, sql, problem) => {
    expect(analyse(sql).problems.join("\n")).toMatch(problem);
  });

  it("catch a time series whose keys are not aliases, or that has two values per key", () => {
    const keyed = "SELECT $timeSeries AS t, blob5 AS provider, SUM(_sample_interval) AS a, SUM(_sample_interval * double2) AS b FROM edge_phone_auth WHERE index1 = 'otp.sent' GROUP BY t, provider";
    expect(seriesShapeProblems(analyse(keyed)).join("\n")).toMatch(/exactly one value column/);
    const unaliased = "SELECT $timeSeries AS t, blob5 AS provider, SUM(_sample_interval) AS a FROM edge_phone_auth WHERE index1 = 'otp.sent' GROUP BY t, blob5";
    expect(seriesShapeProblems(analyse(unaliased)).join("\n")).toMatch(/GROUP BY blob5 must be a SELECT alias/);
  });
});
