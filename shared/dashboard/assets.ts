import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import type { CoreResponse } from "../http/types";

/**
 * The dashboard's static files (dashboard/, bundled by esbuild at build time): `index.html` plus hashed assets
 * (`assets/main-<hash>.js`, `.css`). The analytics function holds them in memory from cold start and serves them
 * with a strict CSP; nothing is fetched from anywhere but the gateway's origin.
 */
export interface DashboardFile {
  readonly body: Buffer;
  readonly contentType: string;
}

export interface DashboardAssets {
  readonly index: DashboardFile;
  /** Hashed file names under `/dashboard/assets/` (immutable: a new build gets new names). */
  readonly assets: ReadonlyMap<string, DashboardFile>;
}

export const DASHBOARD_INDEX = "index.html";
export const DASHBOARD_ASSET_DIR = "assets";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name)] ?? "application/octet-stream";
}

/**
 * The page may load scripts and styles from its own origin and call its own origin's API, nothing else: no inline
 * script, no eval, no frame, no form posting elsewhere. uPlot and Preact style elements through the CSSOM, which
 * `style-src 'self'` allows.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const COMMON_HEADERS = Object.freeze({
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
});

/** The page itself: revalidated on every load (it names the current hashed assets). */
export function dashboardPage(assets: DashboardAssets): CoreResponse {
  return {
    status: 200,
    headers: {
      "content-type": assets.index.contentType,
      "cache-control": "no-cache",
      "content-security-policy": DASHBOARD_CSP,
      ...COMMON_HEADERS,
    },
    body: assets.index.body,
  };
}

/** A hashed asset, cached for a year; undefined for a name the build did not produce. */
export function dashboardAsset(assets: DashboardAssets, name: string): CoreResponse | undefined {
  const file = assets.assets.get(name);
  if (file === undefined) return undefined;
  return {
    status: 200,
    headers: {
      "content-type": file.contentType,
      "cache-control": "public, max-age=31536000, immutable",
      ...COMMON_HEADERS,
    },
    body: file.body,
  };
}

/** Builds the in-memory asset set from file names and contents (a build's output). */
export function dashboardAssetsFrom(files: ReadonlyMap<string, Buffer>): DashboardAssets {
  const index = files.get(DASHBOARD_INDEX);
  if (index === undefined) throw new Error(`The dashboard build has no ${DASHBOARD_INDEX}`);
  const prefix = `${DASHBOARD_ASSET_DIR}/`;
  const assets = new Map<string, DashboardFile>();
  for (const [name, body] of files) {
    if (name.startsWith(prefix)) assets.set(name.slice(prefix.length), { body, contentType: contentTypeOf(name) });
  }
  return { index: { body: index, contentType: contentTypeOf(DASHBOARD_INDEX) }, assets };
}

/**
 * Reads a built dashboard directory once (cold start). Undefined when the directory is absent or incomplete (a bundle built
 * without the dashboard, e.g. the integration tests' handler bundles): `/dashboard` then answers 404.
 */
export async function loadDashboardAssets(dir: string): Promise<DashboardAssets | undefined> {
  try {
    const names = (await readdir(join(dir, DASHBOARD_ASSET_DIR))).map((n) => `${DASHBOARD_ASSET_DIR}/${n}`);
    const files = new Map<string, Buffer>();
    for (const name of [DASHBOARD_INDEX, ...names]) files.set(name, await readFile(join(dir, name)));
    return dashboardAssetsFrom(files);
  } catch {
    return undefined; // never rejects: the promise is created at cold start, before anyone awaits it
  }
}
