// Validates every manifest of deploy/k8s against the Kubernetes API's
// schemas, offline: kubernetes-models ships the API's OpenAPI definitions
// compiled into validators (types, required fields, enumerations, formats).
// Fields the API does not know are not reported (the schemas leave them
// open); a kind this package does not know is a failure.
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";

const dir = process.argv[2];
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
let failures = 0;
let checked = 0;

async function modelFor(apiVersion, kind) {
  // "apps/v1" Deployment -> kubernetes-models/apps/v1/Deployment; "v1" -> kubernetes-models/v1/...
  return (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind];
}

for (const file of files) {
  const docs = yaml.loadAll(fs.readFileSync(path.join(dir, file), "utf8")).filter((d) => d);
  for (const doc of docs) {
    const where = `${file}: ${doc.kind ?? "?"} ${doc.metadata?.name ?? "?"}`;
    try {
      if (!doc.apiVersion || !doc.kind) throw new Error("no apiVersion or kind");
      const Model = await modelFor(doc.apiVersion, doc.kind);
      if (!Model) throw new Error(`unknown kind ${doc.apiVersion} ${doc.kind}`);
      new Model(doc).validate();
      checked++;
      console.log(`ok: ${where}`);
    } catch (e) {
      failures++;
      console.log(`FAIL: ${where}: ${e.message}`);
    }
  }
}
console.log(`${checked} manifests valid, ${failures} failed`);
process.exit(failures > 0 || checked === 0 ? 1 : 0);
