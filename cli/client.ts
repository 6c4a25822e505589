import { ApiError } from "./errors";
import type { Settings } from "./settings";

/** A JSON object as the APIs answer it. */
export type Json = Record<string, unknown>;
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** The largest answer the CLI reads (a page of logs with bodies stays far below it). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface ApiClient {
  request(method: string, path: string, options?: { query?: Query; body?: unknown }): Promise<Json>;
}

async function boundedText(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new ApiError(`The answer exceeds ${MAX_RESPONSE_BYTES} bytes.`, res.status, undefined, undefined);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function errorFrom(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; code?: unknown; param?: unknown } };
    const err = body.error;
    if (err && typeof err.message === "string") {
      const code = typeof err.code === "string" ? err.code : undefined;
      const param = typeof err.param === "string" ? err.param : undefined;
      return new ApiError(err.message, status, code, param);
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(`HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ""}`, status, undefined, undefined);
}

export function pathOf(base: string, path: string, query: Query | undefined): string {
  const url = new URL(base + path);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.href;
}

/** Segment-encodes a path parameter (ids and slugs are the user's input). */
export const seg = (value: string): string => encodeURIComponent(value);

/**
 * The admin and analytics APIs over fetch: the key in `x-portkey-api-key`, every call bounded by the timeout,
 * redirects refused (a redirect would carry the key to another place), answers capped in size.
 */
export function createClient(settings: Settings): ApiClient {
  return {
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { "x-portkey-api-key": settings.key, accept: "application/json" };
      if (options.body !== undefined) headers["content-type"] = "application/json";
      let res: Response;
      try {
        res = await fetch(pathOf(settings.url, path, options.query), {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          redirect: "error",
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
      } catch (err) {
        const reason = (err as Error).name === "TimeoutError" ? `no answer within ${settings.timeoutMs} ms` : "";
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const detail = reason || cause?.code || cause?.message || (err as Error).message;
        throw new ApiError(`Cannot reach ${settings.url}: ${detail}`, undefined, undefined, undefined);
      }
      const text = await boundedText(res);
      if (!res.ok) throw errorFrom(res.status, text);
      if (text === "") return {};
      try {
        return JSON.parse(text) as Json;
      } catch {
        throw new ApiError(
          `The gateway answered ${res.status} with a body that is not JSON.`,
          res.status,
          undefined,
          undefined,
        );
      }
    },
  };
}
