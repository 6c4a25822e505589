import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { UsageError } from "./errors";

/** Where the CLI finds the gateway and the key: flags > environment > the config file `aigw login` writes. */
export interface Settings {
  readonly url: string;
  readonly key: string;
  readonly timeoutMs: number;
}

export interface GlobalFlags {
  readonly url?: string;
  readonly key?: string;
  readonly timeout?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

const savedSchema = z.strictObject({ url: z.string().optional(), key: z.string().optional() });
export type SavedSettings = z.infer<typeof savedSchema>;

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 600_000;
const MAX_SETTINGS_BYTES = 64 * 1024;

/** `$AIGW_CONFIG`, else `$XDG_CONFIG_HOME/aigw/config.json`, else `~/.config/aigw/config.json`. */
export function settingsPath(env: Env): string {
  if (env.AIGW_CONFIG) return env.AIGW_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "aigw", "config.json");
}

export async function readSavedSettings(path: string): Promise<SavedSettings> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > MAX_SETTINGS_BYTES) throw new UsageError(`${path} is larger than ${MAX_SETTINGS_BYTES} bytes.`);
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    if (err instanceof UsageError) throw err;
    throw new UsageError(`Cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not valid JSON.`);
  }
  const result = savedSchema.safeParse(parsed);
  if (!result.success) throw new UsageError(`${path} must be {"url": "...", "key": "..."}.`);
  return result.data;
}

/** Writes the settings file readable by its owner only (mode 0600, directory 0700). */
export async function writeSavedSettings(path: string, settings: SavedSettings): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

export function normaliseUrl(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${source} is not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${source} must be http(s).`);
  if (url.username || url.password) throw new UsageError(`${source} must not carry credentials.`);
  if (url.search || url.hash) throw new UsageError(`${source} must not carry a query or fragment.`);
  // The gateway's API lives under /v1; accept the base URL with or without it.
  return url.href.replace(/\/+$/, "").replace(/\/v1$/, "");
}

function timeoutFrom(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds * 1000 > MAX_TIMEOUT_MS) {
    throw new UsageError(`--timeout must be a number of seconds between 0 and ${MAX_TIMEOUT_MS / 1000}.`);
  }
  return Math.round(seconds * 1000);
}

/**
 * The gateway URL and key: `--url`/`--key`, then `AIGW_URL`/`AIGW_API_KEY` (the key also from
 * `GATEWAY_ADMIN_KEY`, the local runtime's root key), then the config file. Missing either is a usage error.
 */
export async function resolveSettings(flags: GlobalFlags, env: Env): Promise<Settings> {
  const path = settingsPath(env);
  // An empty variable counts as unset (`AIGW_URL= aigw ...`).
  const envUrl = env.AIGW_URL || undefined;
  const envKey = env.AIGW_API_KEY || env.GATEWAY_ADMIN_KEY || undefined;
  const needFile = !(flags.url ?? envUrl) || !(flags.key ?? envKey);
  const saved = needFile ? await readSavedSettings(path) : {};
  const rawUrl = flags.url ?? envUrl ?? saved.url;
  const key = flags.key ?? envKey ?? saved.key;
  if (!rawUrl) {
    throw new UsageError(`No gateway URL: pass --url, set AIGW_URL, or run \`aigw login\` (writes ${path}).`);
  }
  if (!key) {
    throw new UsageError(`No gateway key: set AIGW_API_KEY, pass --key, or run \`aigw login\` (writes ${path}).`);
  }
  return { url: normaliseUrl(rawUrl, "The gateway URL"), key, timeoutMs: timeoutFrom(flags.timeout) };
}
