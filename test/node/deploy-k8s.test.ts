/**
 * The Kubernetes manifests (deploy/k8s/*.yaml), every YAML document in them:
 *  - valid against the `kubernetes-models` validators (generated from the
 *    official Kubernetes OpenAPI definitions: types, required fields, enums,
 *    formats);
 *  - strict: a field the API does not define fails. The validators let
 *    unknown fields through, so every document is also typechecked (the
 *    TypeScript compiler, excess-property checks) against the same package's
 *    generated interfaces, as `const doc: IDeployment = {…}`;
 *  - the probes, security context, resources, replicas, selectors and secret
 *    handling this service needs (see each test's name).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service } from "kubernetes-models/v1";
import { mappings, obj, type Json } from "../support/json-shape";

interface Doc {
  where: string;
  value: Json;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = join(root, "deploy", "k8s");
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
const NAME = "edge-phone-auth";

/** kind → the package's model (runtime validator) and its module, for the strict typecheck. */
const models: Record<string, { model: new (data: never) => { validate(): void }; module: string }> = {
  "v1/Namespace": { model: Namespace, module: "kubernetes-models/v1/Namespace" },
  "v1/ConfigMap": { model: ConfigMap, module: "kubernetes-models/v1/ConfigMap" },
  "v1/Secret": { model: Secret, module: "kubernetes-models/v1/Secret" },
  "v1/Service": { model: Service, module: "kubernetes-models/v1/Service" },
  "apps/v1/Deployment": { model: Deployment, module: "kubernetes-models/apps/v1/Deployment" },
  "apps/v1/StatefulSet": { model: StatefulSet, module: "kubernetes-models/apps/v1/StatefulSet" },
  "autoscaling/v2/HorizontalPodAutoscaler": { model: HorizontalPodAutoscaler, module: "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler" },
  "policy/v1/PodDisruptionBudget": { model: PodDisruptionBudget, module: "kubernetes-models/policy/v1/PodDisruptionBudget" },
  "batch/v1/CronJob": { model: CronJob, module: "kubernetes-models/batch/v1/CronJob" },
};

/** The value at a dotted path ("spec.template.spec"), each step a mapping. */
function at(value: Json, path: string): Json {
  return path.split(".").reduce<Json>((o, key) => obj(o[key], key), value);
}
const typeKey = (d: Json): string => `${String(d.apiVersion)}/${String(d.kind)}`;

/** Every non-empty YAML document of every file, and the kustomization on its own. */
const documents: Doc[] = files
  .filter((f) => f !== "kustomization.yaml")
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), "utf8"))
      .map((d, i) => ({ where: `${file}#${i}`, value: d.toJS() as unknown, errors: d.errors }))
      .filter((d) => d.value !== null)
      .map((d) => {
        if (d.errors.length > 0) throw new Error(`${d.where}: ${d.errors.map((e) => e.message).join("; ")}`);
        return { where: d.where, value: obj(d.value, d.where) };
      }),
  );
const ofKind = (kind: string): Doc[] => documents.filter((d) => d.value.kind === kind);
const one = (kind: string, name: string): Json => {
  const found = ofKind(kind).filter((d) => obj(d.value.metadata, d.where).name === name);
  expect(found.map((d) => d.where), `${kind} ${name}`).toHaveLength(1);
  return (found[0] as Doc).value;
};
const workloads = (): Doc[] => [...ofKind("Deployment"), ...ofKind("StatefulSet")];
const podLabels = (w: Json): Json => at(w, "spec.template.metadata.labels");
const containers = (w: Json, where: string): Json[] => mappings(at(w, "spec.template.spec").containers, `${where} containers`);
/** Whether every label of the selector is on the pod. */
const selects = (selector: Json, labels: Json): boolean => Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** TypeScript diagnostics of `const doc: I<Kind> = <document>` for each document (excess properties fail). */
function strictTypeErrors(docs: Doc[]): string[] {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: [], lib: ["lib.es2022.d.ts"] };
  const sources = new Map<string, { where: string; text: string }>();
  docs.forEach((d, i) => {
    const entry = models[typeKey(d.value)];
    if (!entry) throw new Error(`${d.where}: no model for ${typeKey(d.value)}`);
    const text = `import type { I${String(d.value.kind)} as T } from "${entry.module}";\nexport const doc: T = ${JSON.stringify(d.value, null, 2)};\n`;
    sources.set(join(root, `.k8s-strict-${i}.ts`), { where: d.where, text });
  });
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => sources.has(f) || fileExists.call(host, f);
  host.readFile = (f) => sources.get(f)?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const virtual = sources.get(f);
    return virtual ? ts.createSourceFile(f, virtual.text, lang) : getSourceFile.call(host, f, lang, onError, create);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = (d.file && sources.get(d.file.fileName)?.where) ?? d.file?.fileName ?? "?";
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `${where} (generated line ${line}): ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
  });
}

describe("deploy/k8s manifests", () => {
  it("are the expected files and documents", () => {
    expect(files).toEqual(expect.arrayContaining(["configmap.yaml", "deployment.yaml", "hpa.yaml", "kustomization.yaml", "pdb.yaml", "secret.example.yaml", "service.yaml", "statefulset-embedded.yaml"]));
    expect(documents.map((d) => d.value.kind)).toEqual(expect.arrayContaining(["ConfigMap", "Secret", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "StatefulSet"]));
  });

  it.each(documents.map((d) => [d.where, d] as const))("%s is valid against the Kubernetes OpenAPI schema", (_where, d) => {
    const entry = models[typeKey(d.value)];
    expect(entry, `a model for ${typeKey(d.value)}`).toBeDefined();
    expect(() => new (entry as { model: new (data: never) => { validate(): void } }).model(d.value as never).validate()).not.toThrow();
  });

  it("every document is strict: no field the Kubernetes API does not define", () => {
    expect(strictTypeErrors(documents)).toEqual([]);
  }, 60_000);

  it("the strict check is not vacuous: an unknown field fails", () => {
    const broken = structuredClone(one("Deployment", NAME));
    obj(containers(broken, "copy")[0], "container").livenessProbes = {};
    expect(strictTypeErrors([{ where: "broken", value: broken }]).join("\n")).toMatch(/livenessProbes/);
  }, 60_000);

  it("every object carries app.kubernetes.io/name: edge-phone-auth, and so does every pod", () => {
    for (const d of documents) expect(obj(obj(d.value.metadata, d.where).labels, `${d.where} labels`)["app.kubernetes.io/name"], d.where).toBe(NAME);
    for (const w of workloads()) expect(podLabels(w.value)["app.kubernetes.io/name"]).toBe(NAME);
  });

  it("workloads: /healthz liveness and /readyz readiness on the http port 8080, from the image, with its config", () => {
    const args = { Deployment: ["productionMongo"], StatefulSet: ["embedded"] };
    for (const w of workloads()) {
      const [c, ...others] = containers(w.value, w.where);
      expect(others, w.where).toEqual([]);
      const container = obj(c, w.where);
      expect(container.args, w.where).toEqual(args[w.value.kind as keyof typeof args]);
      expect(container.image, w.where).toMatch(/^ghcr\.io\/[^/]+\/edge-phone-auth:(?!latest$)[^:@]+$/);
      const ports = mappings(container.ports, `${w.where} ports`);
      expect(ports.map((p) => [p.name, p.containerPort])).toEqual([["http", 8080]]);
      for (const [probe, path] of [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"]] as const) {
        const get = at(container, `${probe}.httpGet`);
        expect(get.path, `${w.where} ${probe}`).toBe(path);
        expect(["http", 8080], `${w.where} ${probe} port`).toContain(get.port);
      }
    }
  });

  it("workloads: non-root uid 10001, read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp", () => {
    for (const w of workloads()) {
      const pod = at(w.value, "spec.template.spec.securityContext");
      expect(pod, w.where).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } });
      for (const c of containers(w.value, w.where)) {
        expect(obj(c.securityContext, `${w.where} securityContext`), w.where).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 10001,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
        });
      }
      expect(at(w.value, "spec.template.spec").automountServiceAccountToken, w.where).toBe(false);
    }
  });

  it("workloads: cpu and memory requests, a memory limit, writable /tmp and /data only, a grace period", () => {
    for (const w of workloads()) {
      const spec = at(w.value, "spec.template.spec");
      expect(spec.terminationGracePeriodSeconds, w.where).toBeGreaterThan(0);
      for (const c of containers(w.value, w.where)) {
        expect(Object.keys(at(c, "resources.requests")).sort(), w.where).toEqual(["cpu", "memory"]);
        expect(at(c, "resources.limits").memory, w.where).toBeDefined();
        const mounts = mappings(c.volumeMounts, `${w.where} volumeMounts`);
        expect(mounts.map((m) => m.mountPath).sort(), w.where).toEqual(["/data", "/tmp"]);
        expect(mounts.every((m) => m.readOnly !== true)).toBe(true);
      }
    }
  });

  it("the embedded StatefulSet runs exactly one replica, with its volume claim at /data and a headless governing Service", () => {
    const sts = one("StatefulSet", `${NAME}-embedded`);
    const spec = obj(sts.spec, "spec");
    expect(spec.replicas).toBe(1);
    const claims = mappings(spec.volumeClaimTemplates, "volumeClaimTemplates").map((t) => obj(t.metadata, "claim").name);
    const data = mappings(obj(containers(sts, "sts")[0], "c").volumeMounts, "mounts").find((m) => m.mountPath === "/data");
    expect(claims).toContain(data?.name);
    expect(one("Service", String(spec.serviceName)).spec).toMatchObject({ clusterIP: "None" });
    // Nothing scales it or pins it: no HPA or PDB selects it.
    for (const d of [...ofKind("HorizontalPodAutoscaler"), ...ofKind("PodDisruptionBudget")]) expect(JSON.stringify(d.value)).not.toContain(`${NAME}-embedded`);
    for (const d of ofKind("PodDisruptionBudget")) expect(selects(at(d.value, "spec.selector.matchLabels"), podLabels(sts))).toBe(false);
  });

  it("the HPA scales the Deployment (CPU, 2 to 10), which leaves its replica count to it", () => {
    const hpa = obj(one("HorizontalPodAutoscaler", NAME).spec, "hpa.spec");
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: NAME });
    expect(one("Deployment", NAME)).toBeDefined();
    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([2, 10]);
    expect(mappings(hpa.metrics, "metrics").map((m) => at(m, "resource").name)).toEqual(["cpu"]);
    expect(obj(one("Deployment", NAME).spec, "spec").replicas).toBeUndefined();
  });

  it("the PDB (minAvailable 1) and every Service select the pods of exactly one workload, on a port it has", () => {
    const pdb = obj(one("PodDisruptionBudget", NAME).spec, "pdb.spec");
    expect(pdb.minAvailable).toBe(1);
    expect(workloads().filter((w) => selects(at(pdb, "selector.matchLabels"), podLabels(w.value))).map((w) => w.value.kind)).toEqual(["Deployment"]);
    for (const s of ofKind("Service")) {
      const spec = obj(s.value.spec, s.where);
      const selected = workloads().filter((w) => selects(obj(spec.selector, `${s.where} selector`), podLabels(w.value)));
      expect(selected, s.where).toHaveLength(1);
      const ports = mappings(obj(containers((selected[0] as Doc).value, s.where)[0], "c").ports, "ports");
      for (const p of mappings(spec.ports, `${s.where} ports`)) expect(ports.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort), s.where).toBe(true);
    }
    expect(obj(one("Service", NAME).spec, "spec")).toMatchObject({ type: "ClusterIP", ports: [{ name: "http", port: 80, targetPort: "http" }] });
  });

  it("secrets reach the pods only through secretRef / secretKeyRef, never as plain values or in the ConfigMap", () => {
    const secretName = /TOKEN|SECRET|PASSWORD|_KEY$|_KEYS$|PEPPER|JWK|MONGODB_URI|UPSTASH_REDIS_REST_URL/;
    for (const c of ofKind("ConfigMap")) expect(Object.keys(obj(c.value.data, c.where)).filter((k) => secretName.test(k)), c.where).toEqual([]);
    const secret = one("Secret", `${NAME}-secrets`);
    for (const v of Object.values(obj(secret.stringData, "stringData"))) expect(v).toBe("REPLACE_ME");
    for (const w of workloads()) {
      for (const c of containers(w.value, w.where)) {
        const env = c.env === undefined ? [] : mappings(c.env, `${w.where} env`);
        expect(env.filter((e) => secretName.test(String(e.name)) && e.valueFrom === undefined), w.where).toEqual([]);
        expect(env.filter((e) => obj(e.valueFrom ?? {}, "valueFrom").configMapKeyRef !== undefined && secretName.test(String(e.name))), w.where).toEqual([]);
        const refs = mappings(c.envFrom, `${w.where} envFrom`);
        expect(refs.map((r) => obj(r.secretRef ?? {}, "secretRef").name).filter(Boolean), w.where).toEqual([`${NAME}-secrets`]);
      }
    }
  });

  it("the Deployment's replicas count failed attempts in the shared Redis; the embedded StatefulSet in its Durable Object", () => {
    /** The container's environment as Kubernetes builds it: envFrom ConfigMaps in order, then env (which wins). */
    const effectiveEnv = (w: Json, where: string): Json => {
      const c = obj(containers(w, where)[0], where);
      const fromMaps = mappings(c.envFrom, `${where} envFrom`).flatMap((r) => (r.configMapRef ? [obj(one("ConfigMap", String(obj(r.configMapRef, "ref").name)).data, "data")] : []));
      const env = c.env === undefined ? [] : mappings(c.env, `${where} env`);
      return Object.assign({}, ...fromMaps, Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]))) as Json;
    };
    expect(effectiveEnv(one("Deployment", NAME), "deployment")).toMatchObject({ ENVIRONMENT: "production", ATTEMPT_COUNTER_STORE: "redis" });
    const embedded = effectiveEnv(one("StatefulSet", `${NAME}-embedded`), "statefulset");
    expect(embedded.ENVIRONMENT).toBe("production");
    expect(embedded.ATTEMPT_COUNTER_STORE ?? "durable-object").toBe("durable-object");
  });

  it("DATA-02: a CronJob replaces the cron trigger: POST /admin/resume-erasures on the Service every 10 minutes, ADMIN_TOKEN from the Secret, never two at once, non-root and read-only", () => {
    const job = one("CronJob", `${NAME}-resume-erasures`);
    expect(at(job, "spec").schedule).toBe("*/10 * * * *");
    expect(at(job, "spec").concurrencyPolicy).toBe("Forbid");
    const pod = at(job, "spec.jobTemplate.spec.template.spec");
    const [container] = mappings(pod.containers, "containers");
    const args = (container!.args as string[]).join(" ");
    const service = one("Service", NAME);
    expect(args).toMatch(new RegExp(`-X POST .*http://${String(obj(service.metadata, "service").name)}/admin/resume-erasures$`));
    // The token reaches the header inside curl (--variable, --expand-header), never the command line.
    expect(args).toContain("--variable %ADMIN_TOKEN --expand-header Authorization: Bearer {{ADMIN_TOKEN}}");
    expect(args).not.toContain("$(ADMIN_TOKEN)");
    expect(args).toMatch(/(^|\s)-fsS(\s|$)/);
    expect(mappings(container!.env, "env")).toEqual([{ name: "ADMIN_TOKEN", valueFrom: { secretKeyRef: { name: `${NAME}-secrets`, key: "ADMIN_TOKEN" } } }]);
    expect(String(container!.image)).toMatch(/^curlimages\/curl:\d+\.\d+\.\d+$/);
    expect(at(pod, "securityContext").runAsNonRoot).toBe(true);
    expect(at(container!, "securityContext")).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(Object.keys(obj(one("Secret", `${NAME}-secrets`).stringData, "stringData"))).toContain("ADMIN_TOKEN");
  });

  it("kustomization.yaml applies the production profile and leaves out the example Secret and the embedded StatefulSet", () => {
    const k = obj(parseAllDocuments(readFileSync(join(dir, "kustomization.yaml"), "utf8"))[0]?.toJS(), "kustomization");
    expect([k.apiVersion, k.kind, k.namespace]).toEqual(["kustomize.config.k8s.io/v1beta1", "Kustomization", NAME]);
    const resources = (k.resources as unknown[]).map(String);
    for (const r of resources) expect(files, r).toContain(r);
    expect(resources.sort()).toEqual(["configmap.yaml", "cronjob-resume-erasures.yaml", "deployment.yaml", "hpa.yaml", "namespace.yaml", "pdb.yaml", "service.yaml"]);
    expect(Object.keys(k).sort()).toEqual(["apiVersion", "kind", "namespace", "resources"]);
  });
});
