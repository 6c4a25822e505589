/**
 * API Gateway resources derived from declared routes. API Gateway REST routes by resource path (`ANY` method
 * each, the function answers 404/405 itself), picks a static segment over a `{name}` one over `{proxy+}`, and
 * allows one variable child per resource. The derivation keeps the resource list small: a subtree served by one
 * function collapses to `prefix` + `prefix/{proxy+}`; only where functions mix does it descend.
 */

export interface DeclaredRoute<F extends string> {
  readonly method: string;
  /** OpenAPI path template (`/v1/prompts/{id}/render`). */
  readonly path: string;
  readonly fn: F;
}

export interface ApiResource<F extends string> {
  /** API Gateway resource path (`/v1/prompts/{id}`, `/v1/logs/{proxy+}`). */
  readonly path: string;
  readonly target: F;
}

const VARIABLE = "{}";

interface TrieNode<F extends string> {
  readonly ends: Set<F>;
  readonly children: Map<string, TrieNode<F>>;
  /** Names the routes give a variable segment here (API Gateway needs exactly one when it becomes a resource). */
  readonly names: Set<string>;
  /** Every function with a route in this subtree, with its number of routes strictly below this node. */
  readonly below: Map<F, number>;
}

function node<F extends string>(): TrieNode<F> {
  return { ends: new Set(), children: new Map(), names: new Set(), below: new Map() };
}

function buildTrie<F extends string>(routes: readonly DeclaredRoute<F>[]): TrieNode<F> {
  const root = node<F>();
  for (const route of routes) {
    let at = root;
    for (const segment of route.path.split("/").slice(1)) {
      at.below.set(route.fn, (at.below.get(route.fn) ?? 0) + 1);
      const key = segment.startsWith("{") ? VARIABLE : segment;
      let child = at.children.get(key);
      if (child === undefined) {
        child = node();
        at.children.set(key, child);
      }
      if (key === VARIABLE) child.names.add(segment);
      at = child;
    }
    at.ends.add(route.fn);
  }
  return root;
}

function fnsOf<F extends string>(n: TrieNode<F>): Set<F> {
  return new Set([...n.ends, ...n.below.keys()]);
}

function segmentOf<F extends string>(key: string, child: TrieNode<F>, path: string): string {
  if (key !== VARIABLE) return key;
  if (child.names.size !== 1)
    throw new Error(`Routes name the variable after ${path} differently: ${[...child.names]}`);
  return [...child.names][0] as string;
}

function only<F extends string>(fns: Set<F>, path: string): F | undefined {
  if (fns.size > 1) throw new Error(`Several functions serve ${path} itself: ${[...fns].join(", ")}`);
  return [...fns][0];
}

/**
 * `proxyOwner` is the function of the parent's `{proxy+}` resource, if any: a child subtree wholly served by it needs
 * no resource. In a mixed subtree, the function serving the node itself owns its `{proxy+}` (else `fallback`, the
 * function that answers unknown paths), unless a variable child needs a resource of its own (one variable child).
 */
function derive<F extends string>(
  at: TrieNode<F>,
  prefix: string,
  proxyOwner: F | undefined,
  fallback: F,
  out: ApiResource<F>[],
): void {
  for (const [key, child] of at.children) {
    const path = `${prefix}/${segmentOf(key, child, prefix)}`;
    const fns = fnsOf(child);
    const single = fns.size === 1 ? only(fns, path) : undefined;
    if (single !== undefined) {
      if (single === proxyOwner) continue;
      if (child.ends.size > 0) out.push({ path, target: single });
      if (child.children.size > 0) out.push({ path: `${path}/{proxy+}`, target: single });
      continue;
    }
    const end = only(child.ends, path);
    if (end !== undefined) out.push({ path, target: end });
    const owner = end ?? (fns.has(fallback) ? fallback : undefined);
    const variable = child.children.get(VARIABLE);
    const variableNeedsOwn = variable !== undefined && !(fnsOf(variable).size === 1 && fnsOf(variable).has(owner as F));
    const ownsProxy = owner !== undefined && !variableNeedsOwn && (child.below.get(owner) ?? 0) > 0;
    if (ownsProxy) out.push({ path: `${path}/{proxy+}`, target: owner });
    derive(child, path, ownsProxy ? owner : undefined, fallback, out);
  }
}

/** The resources that route every declared path to its function; `fallback` answers paths nobody declared. */
export function deriveResources<F extends string>(routes: readonly DeclaredRoute<F>[], fallback: F): ApiResource<F>[] {
  const out: ApiResource<F>[] = [];
  derive(buildTrie(routes), "", undefined, fallback, out);
  return out;
}

interface ResourceNode<F extends string> {
  readonly statics: Map<string, ResourceNode<F>>;
  variable?: ResourceNode<F>;
  proxy?: ApiResource<F>;
  resource?: ApiResource<F>;
}

/**
 * Resolves a request path to the resource API Gateway would pick, without backtracking: at each segment a static
 * child, else the variable child, else the `{proxy+}` child. Built once; a lookup walks the path's segments.
 */
export function createResourceResolver<F extends string>(resources: readonly ApiResource<F>[]) {
  const root: ResourceNode<F> = { statics: new Map() };
  for (const resource of resources) {
    let at = root;
    const segments = resource.path.split("/").slice(1);
    for (const segment of segments) {
      if (segment === "{proxy+}") {
        at.proxy = resource;
        break;
      }
      if (segment.startsWith("{")) {
        at.variable ??= { statics: new Map() };
        at = at.variable;
        continue;
      }
      let child = at.statics.get(segment);
      if (child === undefined) {
        child = { statics: new Map() };
        at.statics.set(segment, child);
      }
      at = child;
    }
    if (!resource.path.endsWith("{proxy+}")) at.resource = resource;
  }

  /** The resource API Gateway picks for `path`, or undefined when none matches it. */
  return function resolve(path: string): ApiResource<F> | undefined {
    const end = path.length > 1 && path.endsWith("/") ? path.length - 1 : path.length;
    let at = root;
    let start = 1;
    while (start <= end) {
      let stop = path.indexOf("/", start);
      if (stop === -1 || stop > end) stop = end;
      const next = at.statics.get(path.slice(start, stop)) ?? (stop > start ? at.variable : undefined);
      if (next === undefined) return at.proxy;
      at = next;
      start = stop + 1;
    }
    return at.resource;
  };
}
