import { BadRequestError } from "../core/errors";
import type { Usage } from "./types";

/** OpenAI embeddings request inputs as strings (token-array inputs are refused: no provider here takes them). */
export function embeddingInputs(body: Readonly<Record<string, unknown>>): string[] {
  const input = body.input;
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === "string")) return input as string[];
  throw new BadRequestError('"input" must be a string or a non-empty array of strings for this provider.', {
    param: "input",
    code: "invalid_value",
  });
}

function base64Of(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

/** OpenAI embeddings response; honours `encoding_format: "base64"` (little-endian float32, as OpenAI). */
export function embeddingsResponse(
  vectors: readonly (readonly number[])[],
  model: string,
  promptTokens: number,
  encodingFormat: unknown,
): { body: string; usage: Usage } {
  const base64 = encodingFormat === "base64";
  const data = vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? base64Of(v) : v }));
  const usage: Usage = { prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens };
  const body = JSON.stringify({
    object: "list",
    data,
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
  return { body, usage };
}
