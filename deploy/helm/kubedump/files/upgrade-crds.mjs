// The pre-upgrade hook of templates/upgrade-crds.yaml, run by node in the kubedump image: server-side
// applies every CRD of CRD_DIR (<name>.yaml each) with the Pod's ServiceAccount token, then waits
// until each is Established. Node's built-ins only, so it does not depend on the image's packages.
// On any failure it exits 1 with a message naming the CRD, and `helm upgrade` stops.
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";

const FIELD_MANAGER = "kubedump-upgrade-crds";
const ESTABLISHED_TIMEOUT_MS = 60_000;

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const log = (msg, fields = {}) => console.log(JSON.stringify({ time: new Date().toISOString(), msg, ...fields }));

function api(method, path, body) {
  const saDir = env("KUBE_SERVICEACCOUNT_DIR", "/var/run/secrets/kubernetes.io/serviceaccount");
  const host = env("KUBERNETES_SERVICE_HOST");
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: host.includes(":") ? `[${host}]` : host,
        port: env("KUBERNETES_SERVICE_PORT", "443"),
        path,
        method,
        ca: readFileSync(join(saDir, "ca.crt")),
        headers: {
          authorization: `Bearer ${readFileSync(join(saDir, "token"), "utf8").trim()}`,
          accept: "application/json",
          ...(body && { "content-type": "application/apply-patch+yaml" }),
        },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, text });
        });
      },
    );
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

const crdPath = (name) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`;
const reason = (res) => res.json?.message ?? res.text.slice(0, 500);

async function applyCrd(name, yaml) {
  const res = await api("PATCH", `${crdPath(name)}?fieldManager=${FIELD_MANAGER}&force=true`, yaml);
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`applying CustomResourceDefinition ${name} failed (HTTP ${res.status}): ${reason(res)}`);
  log(res.status === 201 ? "created CustomResourceDefinition" : "applied CustomResourceDefinition", { name });
}

async function waitEstablished(name) {
  const deadline = Date.now() + ESTABLISHED_TIMEOUT_MS;
  for (;;) {
    const res = await api("GET", crdPath(name));
    if (res.status !== 200)
      throw new Error(`reading CustomResourceDefinition ${name} failed (HTTP ${res.status}): ${reason(res)}`);
    const established = res.json.status?.conditions?.find((c) => c.type === "Established");
    if (established?.status === "True") return;
    if (Date.now() > deadline)
      throw new Error(`CustomResourceDefinition ${name} is not Established after 60 s: ${established?.message ?? ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main() {
  const dir = env("CRD_DIR");
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
  if (names.length === 0) throw new Error(`no CRDs (<name>.yaml) in ${dir}`);
  for (const name of names) await applyCrd(name, readFileSync(join(dir, `${name}.yaml`), "utf8"));
  for (const name of names) await waitEstablished(name);
  log("CustomResourceDefinitions up to date", { names });
}

main().catch((err) => {
  console.error(JSON.stringify({ time: new Date().toISOString(), msg: err.message }));
  process.exit(1);
});
