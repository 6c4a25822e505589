import { type ErrorBody, UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError } from "../core/errors";
import { parseUpstreamJson } from "./adapter-kit";
import type { SideCalls, UpstreamRequest } from "./types";

/**
 * ModelsLab's asynchronous answers. A generation that takes longer than ModelsLab waits answers 200 with
 * `{"status": "processing", "id", "eta" (seconds), "fetch_result" (a URL), "future_links": [...]}`; the result is
 * read by `POST fetch_result` with `{"key"}` until its status is `success` (`output`: the URLs) or `error` /
 * `failed`. The gateway polls for the client, within the attempt's timeout, and answers the final result.
 */
export const MODELSLAB_POLLING = {
  /** Most fetches per request: with `maxWaitMs` between them, a bound even without a request timeout. */
  maxPolls: 60,
  /** ModelsLab's `eta` is waited, but never longer than this between two fetches. */
  maxWaitMs: 10_000,
  /** Without an `eta`, and at least (the eta can be 0 or tiny), between two fetches. */
  defaultWaitMs: 3_000,
  minWaitMs: 200,
  /** A fetch answer is a small JSON document. */
  maxBytes: 1024 * 1024,
} as const;

const PROVIDER = "modelslab";
/** A generation id that may go into a fetch URL's last segment. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

type Answer = Record<string, unknown>;

/** ModelsLab's message: a string, or per field a list of strings (`{"prompt": ["The prompt field is required."]}`). */
export function modelsLabMessage(answer: Answer): string | undefined {
  const { message, messege } = answer as { message?: unknown; messege?: unknown };
  const value = message ?? messege;
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([field, text]) => `${field}: ${Array.isArray(text) ? text.join(" ") : String(text)}`)
      .join("; ");
  }
  return undefined;
}

/**
 * A 2xx answer whose `status` is `error` or `failed` (ModelsLab reports most errors with HTTP 200): an invalid key
 * is a 401, a refused request a 400, a generation that failed a 502. The message is ModelsLab's.
 */
export function modelsLabFailure(answer: Answer): UpstreamError {
  const message = modelsLabMessage(answer) ?? `ModelsLab answered status "${String(answer.status)}".`;
  const failed = answer.status === "failed";
  const status = failed ? 502 : /api ?key/i.test(message) ? 401 : 400;
  const type = status === 401 ? "authentication_error" : failed ? "api_error" : "invalid_request_error";
  const body: ErrorBody = { error: { message, type, param: null, code: failed ? "generation_failed" : null } };
  return new UpstreamError(status, body);
}

function waitMs(eta: unknown): number {
  const seconds = typeof eta === "number" ? eta : typeof eta === "string" ? Number(eta) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < 0) return MODELSLAB_POLLING.defaultWaitMs;
  return Math.min(Math.max(seconds * 1000, MODELSLAB_POLLING.minWaitMs), MODELSLAB_POLLING.maxWaitMs);
}

/**
 * Where to fetch the result: ModelsLab's `fetch_result` when it is on the origin the generation was sent to (a
 * host never chooses where the gateway sends the key next), else `{apiRoot}/v6/{kind}/fetch/{id}`.
 */
function fetchUrl(answer: Answer, sentTo: string, fallback: (id: string) => string): string {
  const given = answer.fetch_result;
  if (typeof given === "string") {
    let url: URL | undefined;
    try {
      url = new URL(given);
    } catch {
      url = undefined;
    }
    if (url && url.origin === new URL(sentTo).origin) return url.href;
  }
  const id = answer.id ?? answer.request_id;
  const text = typeof id === "number" ? String(id) : typeof id === "string" ? id : "";
  if (!SAFE_ID.test(text)) {
    throw new UpstreamUnavailableError("ModelsLab answered processing without a usable fetch URL or id.", {
      code: "invalid_upstream_response",
    });
  }
  return fallback(text);
}

/**
 * Follows a `processing` answer until it is final and returns the final answer's bytes. Every wait and fetch ends
 * with the attempt (`io`), every fetch goes through the shared transport (SSRF guard) with a byte cap, and the
 * number of fetches is capped.
 */
export async function pollModelsLab(
  first: Buffer,
  sent: UpstreamRequest,
  key: string,
  io: SideCalls,
  fallbackUrl: (id: string) => string,
): Promise<Buffer> {
  let raw = first;
  let answer = parseUpstreamJson(raw, PROVIDER);
  let polls = 0;
  const started = Date.now();
  while (answer.status === "processing") {
    if (polls >= MODELSLAB_POLLING.maxPolls) {
      throw new UpstreamTimeoutError(Date.now() - started, { code: "upstream_still_processing" });
    }
    const url = fetchUrl(answer, sent.url, fallbackUrl);
    await io.wait(waitMs(answer.eta));
    polls += 1;
    const res = await io.send(
      {
        url,
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ key }),
      },
      { maxBytes: MODELSLAB_POLLING.maxBytes },
    );
    if (res.status < 200 || res.status >= 300) {
      const body = parseErrorAnswer(res.body);
      throw new UpstreamError(res.status, {
        error: {
          message: (body && modelsLabMessage(body)) ?? `ModelsLab's fetch answered HTTP ${res.status}.`,
          type: res.status === 429 ? "rate_limit_error" : res.status >= 500 ? "api_error" : "invalid_request_error",
          param: null,
          code: null,
        },
      });
    }
    raw = res.body;
    answer = parseUpstreamJson(raw, PROVIDER);
  }
  if (answer.status === "error" || answer.status === "failed") throw modelsLabFailure(answer);
  return raw;
}

function parseErrorAnswer(raw: Buffer): Answer | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Answer) : undefined;
  } catch {
    return undefined;
  }
}
