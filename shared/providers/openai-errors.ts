import type { ErrorBody } from "../core/errors";

const MAX_MESSAGE = 2000;

function asString(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return null;
}

/**
 * Normalises what OpenAI-compatible upstreams return on errors into OpenAI's shape. Handles OpenAI's own
 * `{"error":{...}}`, `{"error":"text"}`, FastAPI's `{"detail":...}`, `{"message":...}`, and non-JSON bodies.
 */
export function toOpenAIErrorBody(status: number, raw: Buffer, provider: string): ErrorBody {
  const text = raw.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const fallbackType = status === 429 ? "rate_limit_error" : status >= 500 ? "api_error" : "invalid_request_error";
  if (parsed && typeof parsed === "object") {
    const obj = parsed as Record<string, unknown>;
    const inner = obj.error;
    if (inner && typeof inner === "object") {
      const e = inner as Record<string, unknown>;
      return {
        error: {
          message: asString(e.message) ?? `${provider} returned HTTP ${status}`,
          type: asString(e.type) ?? fallbackType,
          param: asString(e.param),
          code: asString(e.code),
        },
      };
    }
    const message = asString(inner) ?? asString(obj.message) ?? detailMessage(obj.detail);
    if (message) return { error: { message, type: fallbackType, param: null, code: asString(obj.code) } };
  }
  const snippet = text.trim().slice(0, MAX_MESSAGE);
  return {
    error: {
      message: snippet ? `${provider} returned HTTP ${status}: ${snippet}` : `${provider} returned HTTP ${status}`,
      type: fallbackType,
      param: null,
      code: null,
    },
  };
}

function detailMessage(detail: unknown): string | null {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return JSON.stringify(detail).slice(0, MAX_MESSAGE);
  return null;
}
