/**
 * The dashboard's only way to the network: same-origin calls to the analytics and admin APIs with the key the
 * person signed in with (`x-portkey-api-key`). Errors carry the API's own message (OpenAI's error shape).
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  send<T>(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T>;
}

const TIMEOUT_MS = 30_000;

export function createApi(key: string, onUnauthorized: () => void): Api {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!path.startsWith("/")) throw new Error(`Not a same-origin path: ${path}`);
    const res = await fetch(path, {
      method,
      headers: {
        "x-portkey-api-key": key,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = {};
    }
    if (!res.ok) {
      if (res.status === 401) onUnauthorized();
      const message = (json as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`;
      throw new ApiError(message, res.status);
    }
    return json as T;
  }
  return {
    get: (path) => call("GET", path),
    send: (method, path, body) => call(method, path, body),
  };
}

export interface ListResponse<T> {
  readonly data: T[];
  readonly has_more?: boolean;
  readonly next_cursor?: string | null;
}

export interface Graph {
  readonly summary: Record<string, number | null>;
  readonly data_points: Array<Record<string, number | string | null>>;
}

export interface GroupRow extends Record<string, unknown> {
  readonly requests: number;
  readonly cost: number;
  readonly total_tokens: number;
  readonly avg_latency: number | null;
  readonly error_count: number;
}

export interface LogRow {
  readonly id: string;
  readonly trace_id: string | null;
  readonly ts: string;
  readonly provider: string | null;
  readonly model_requested: string | null;
  readonly model_served: string | null;
  readonly virtual_key: string | null;
  readonly config_id: string | null;
  readonly status: number;
  readonly error_type: string | null;
  readonly latency_ms: number | null;
  readonly ttft_ms: number | null;
  readonly total_tokens: number | null;
  readonly prompt_tokens: number | null;
  readonly completion_tokens: number | null;
  readonly cost_usd: number | null;
  readonly cache_status: string | null;
  readonly metadata: Record<string, string>;
}

export interface Attempt {
  readonly provider: string | null;
  readonly model: string | null;
  readonly status: number | null;
  readonly latency_ms: number | null;
  readonly error: string | null;
  readonly target: string | null;
}

export interface GuardrailResult {
  readonly id: string;
  readonly phase: string;
  readonly verdict: boolean;
  readonly action: string;
  readonly latency_ms: number | null;
}

export interface LogDetail extends LogRow {
  readonly error_message: string | null;
  readonly retry_count: number | null;
  readonly strategy: string | null;
  readonly attempts: Attempt[];
  readonly guardrails: GuardrailResult[];
  readonly request_body: string | null;
  readonly response_body: string | null;
  readonly feedback: Array<{ id: string; feedback_value: number; feedback_weight: number; ts: string }>;
}
