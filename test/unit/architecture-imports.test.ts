import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The import graph of the product code (shared/, functions/, local/), type-only imports included, has no cycle:
 * neither between files nor between the folders of shared/ (docs/architecture.md, "Rooms").
 */
const ROOT = resolve(import.meta.dirname, "../..");
const SOURCE_DIRS = ["shared", "functions", "local"];
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

function resolveImport(from: string, request: string, known: ReadonlySet<string>): string | undefined {
  const base = resolve(dirname(from), request.replace(/\.js$/, ""));
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) if (known.has(candidate)) return candidate;
  return undefined;
}

function importGraph(): Map<string, string[]> {
  const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const targets: string[] = [];
    for (const match of text.matchAll(IMPORT)) {
      const target = resolveImport(file, match[1] as string, known);
      if (target) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** Every cycle found by a depth-first search, each reported once by its first node on the stack. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const found: string[][] = [];
  function visit(node: string): void {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  }
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

function folderOf(file: string): string | undefined {
  const rel = relative(join(ROOT, "shared"), file);
  if (rel.startsWith("..")) return undefined;
  const parts = rel.split("/");
  return parts.length > 1 ? parts[0] : "(root)";
}

describe("the import graph", () => {
  const graph = importGraph();
  const show = (cycle: string[]) => cycle.map((f) => relative(ROOT, f)).join(" -> ");

  it("reads the product's files and their relative imports", () => {
    // Prepare / Act: the graph above. Assess: it is the real graph (a scanner that finds nothing passes vacuously).
    expect(graph.size).toBeGreaterThan(150);
    const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
    expect(edges).toBeGreaterThan(500);
    const core = join(ROOT, "shared/gateway/core.ts");
    expect(graph.get(core)).toContain(join(ROOT, "shared/gateway/request-run.ts"));
  });

  it("has no cycle between files, type-only imports included", () => {
    expect(cycles(graph).map(show)).toEqual([]);
  });

  it("has no cycle between the folders of shared/", () => {
    const folders = new Map<string, string[]>();
    for (const [file, targets] of graph) {
      const from = folderOf(file);
      if (!from) continue;
      const edges = folders.get(from) ?? [];
      for (const target of targets) {
        const to = folderOf(target);
        if (to && to !== from && !edges.includes(to)) edges.push(to);
      }
      folders.set(from, edges);
    }
    expect(cycles(folders).map((c) => c.join(" -> "))).toEqual([]);
  });
});
