// Drops optional dependencies that have no entry of their own from package-lock.json.
// Why: the registry these machines reach only carries linux-x64 builds of platform packages (biome, duckdb,
// esbuild ...), so `npm install` cannot record the other platforms and `npm ci` then calls the lockfile out of
// sync. Pruning the dangling names makes the lockfile self-consistent. See docs/adr/0015-lockfile-pruning.md.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages ?? {};
let pruned = 0;
for (const [key, entry] of Object.entries(packages)) {
  if (!entry.optionalDependencies) continue;
  const base = key === "" ? "" : `${key}/`;
  // Entries inside a bundled dependency (e.g. aws-cdk-lib's own node_modules) are npm's business: keep them.
  if (entry.inBundle) continue;
  for (const name of Object.keys(entry.optionalDependencies)) {
    const nested = `${base}node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    delete entry.optionalDependencies[name];
    pruned += 1;
  }
  if (Object.keys(entry.optionalDependencies).length === 0) delete entry.optionalDependencies;
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`pruned ${pruned} dangling optional dependencies\n`);
