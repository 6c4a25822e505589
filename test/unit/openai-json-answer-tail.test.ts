import { describe, expect, it } from "vitest";
import { openAICompatible } from "../../shared/providers/openai-compatible";
import type { TransformContext } from "../../shared/providers/types";

const adapter = openAICompatible({ id: "openai", baseUrl: "https://api.openai.com/v1" });

function ctx(endpoint: TransformContext["endpoint"]): TransformContext {
  const body = { model: "text-embedding-3-small", input: ["a"] };
  return {
    endpoint,
    target: { provider: "openai", apiKey: "key" },
    body,
    rawBody: Buffer.from(JSON.stringify(body)),
    bodyChanged: false,
  };
}

/** An embeddings answer as OpenAI sends it: `data` first, then `model` and `usage` (16 x 1,536 floats: ~500 KB). */
function embeddingsAnswer(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const data = Array.from({ length: 16 }, (_, index) => ({
    object: "embedding",
    index,
    embedding: Array.from({ length: 1536 }, (_, i) => ((i * 7919 + index) % 2000) / 10_000 - 0.1),
  }));
  return {
    object: "list",
    data,
    model: "text-embedding-3-small",
    usage: { prompt_tokens: 42, total_tokens: 42 },
    ...extra,
  };
}

describe("a large OpenAI JSON answer", () => {
  it("is read for usage and model from its tail, bytes unchanged", () => {
    const raw = Buffer.from(JSON.stringify(embeddingsAnswer()));
    expect(raw.length).toBeGreaterThan(400_000);
    const res = adapter.fromResponse(200, raw, ctx("embeddings"));
    expect(res.body).toBe(raw);
    expect(res.contentType).toBe("application/json");
    expect(res.model).toBe("text-embedding-3-small");
    expect(res.usage).toEqual({ prompt_tokens: 42, completion_tokens: 0, total_tokens: 42 });
  });

  it("bills the top-level usage, never a nested `usage` key near the end", () => {
    const answer = embeddingsAnswer();
    // the last data item carries a `usage` key of its own, after the top-level one in byte order
    const data = answer.data as Record<string, unknown>[];
    const { model, usage } = answer;
    delete answer.model;
    delete answer.usage;
    const reordered = { model, usage, object: "list", data };
    (data.at(-1) as Record<string, unknown>).meta = { model: "cheap", usage: { prompt_tokens: 1, total_tokens: 1 } };
    const res = adapter.fromResponse(200, Buffer.from(JSON.stringify(reordered)), ctx("embeddings"));
    expect(res.usage?.prompt_tokens).toBe(42);
    expect(res.model).toBe("text-embedding-3-small");
  });

  it("reads the keys that follow usage at the top level too, and a large chat answer whole", () => {
    const withTrailer = adapter.fromResponse(
      200,
      Buffer.from(JSON.stringify(embeddingsAnswer({ system_fingerprint: "fp_1" }))),
      ctx("embeddings"),
    );
    expect(withTrailer.usage?.total_tokens).toBe(42);
    // a chat answer names its model first: the tail has usage only, so the answer is parsed whole
    const chat = {
      id: "chatcmpl-1",
      object: "chat.completion",
      model: "gpt-4o",
      choices: [{ index: 0, message: { role: "assistant", content: "x".repeat(100_000) }, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: 30_000, total_tokens: 30_005 },
    };
    const res = adapter.fromResponse(200, Buffer.from(JSON.stringify(chat)), ctx("chat"));
    expect(res.model).toBe("gpt-4o");
    expect(res.usage?.completion_tokens).toBe(30_000);
  });

  it("is still text/plain when it is not JSON", () => {
    const raw = Buffer.from(`{"usage":{"prompt_tokens":1}, ${"garbage ".repeat(10_000)}`);
    const res = adapter.fromResponse(200, raw, ctx("embeddings"));
    expect(res.contentType).toBe("text/plain; charset=utf-8");
    expect(res.usage).toBeUndefined();
  });
});
