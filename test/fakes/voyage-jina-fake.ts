import type { ServerResponse } from "node:http";
import { type FakeContext, type FakeServer, startFakeServer } from "./fake-server";
import { fakeVector, ranked, wordCount } from "./rerank-scoring";

/**
 * Fakes of Voyage AI and Jina AI (`POST /v1/embeddings`, `POST /v1/rerank`, Bearer key), each in its documented
 * shape. Voyage: embeddings `{object:"list", data:[{object:"embedding", embedding, index}], model, usage:
 * {total_tokens}}`, rerank `top_k` -> `{object:"list", data:[{relevance_score, index}], model, usage}`, errors
 * `{"detail": "..."}`. Jina: `embedding_type`, embeddings in OpenAI's shape with `usage: {total_tokens,
 * prompt_tokens}`, rerank `top_n` -> `{model, usage:{total_tokens}, results:[{index, relevance_score}]}`, errors
 * `{"detail": "..."}`.
 */
export type EmbedRerankWire = "voyage" | "jina";

export function voyageJinaErrorBody(status: number, message = `fake error ${status}`): string {
  return JSON.stringify({ detail: message });
}

export function startVoyageJinaFake(wire: EmbedRerankWire, apiKey: string): Promise<FakeServer> {
  const fail = (res: ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(voyageJinaErrorBody(status, message));
  };
  const send = (res: ServerResponse, body: unknown): void => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  async function handle({ req, res, recorded }: FakeContext): Promise<void> {
    if (req.method !== "POST" || (recorded.path !== "/v1/embeddings" && recorded.path !== "/v1/rerank"))
      return fail(res, 404, "Not Found");
    if (req.headers.authorization !== `Bearer ${apiKey}`) return fail(res, 401, "Provided API key is invalid.");
    const body = recorded.json();
    const model = String(body.model);
    if (recorded.path === "/v1/embeddings") {
      const input = typeof body.input === "string" ? [body.input] : (body.input as string[]);
      if (wire === "voyage" && body.encoding_format !== undefined && body.encoding_format !== "base64")
        return fail(res, 400, "encoding_format must be null or 'base64'");
      if (wire === "jina" && body.embedding_type !== undefined && body.embedding_type !== "float")
        return fail(res, 400, "this fake answers floats only");
      const tokens = wordCount(input);
      const data = input.map((t, index) => ({ object: "embedding", index, embedding: fakeVector(t) }));
      const usage = wire === "voyage" ? { total_tokens: tokens } : { total_tokens: tokens, prompt_tokens: tokens };
      return send(res, { object: "list", data, model, usage });
    }
    if (typeof body.query !== "string" || !Array.isArray(body.documents))
      return fail(res, 400, "query and documents are required");
    const docs = body.documents as string[];
    const top = (wire === "voyage" ? body.top_k : body.top_n) as number | undefined;
    const results = ranked(body.query, docs, top);
    const tokens = wordCount([body.query, ...docs]);
    if (wire === "voyage") return send(res, { object: "list", data: results, model, usage: { total_tokens: tokens } });
    return send(res, { model, usage: { total_tokens: tokens }, results });
  }
  return startFakeServer(handle);
}
