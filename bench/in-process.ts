import { Readable } from "node:stream";
import type { CoreRequest } from "../shared/http/types";
import type { UpstreamTransport } from "../shared/http/upstream";

/**
 * What the in-process benches (routing, guardrails) share: a chat request for the gateway core, an in-memory
 * upstream that answers a canned completion (no I/O, so a difference is the gateway's own work), and the
 * percentile they report.
 */
const CANNED = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: 0,
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
  }),
);

/** A chat completion request with `body` and the extra headers. */
export function chatRequest(body: Buffer, headers: Record<string, string>): CoreRequest {
  return {
    method: "POST",
    path: "/v1/chat/completions",
    query: new URLSearchParams(),
    headers: { "content-type": "application/json", ...headers },
    body,
    signal: new AbortController().signal,
  };
}

/** An upstream that answers every call with the canned completion, in memory. */
export function stubTransport(): UpstreamTransport {
  return {
    send: async () => ({ status: 200, headers: { "content-type": "application/json" }, body: Readable.from([CANNED]) }),
    close: async () => undefined,
  };
}

/** The value at fraction `p` of a sorted sample (index floor(p x n)). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}
