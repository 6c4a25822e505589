import type { FakeServer } from "./fake-server";
import { startOpenAIWireFake } from "./openai-wire-fake";

/**
 * A fake Azure OpenAI resource: `/openai/deployments/{deployment}/chat/completions?api-version=...` with the key
 * in `api-key`; errors in Azure's OpenAI-style body (`{"error":{"code","message"}}`).
 */
export function azureErrorBody(status: number, message = `fake azure error ${status}`): string {
  const code = status === 401 ? "401" : status === 429 ? "429" : status >= 500 ? "InternalServerError" : "BadRequest";
  return JSON.stringify({ error: { code, message, type: status === 429 ? "rate_limit_error" : undefined } });
}

export function startAzureOpenAIFake(o: {
  apiKey: string;
  deployment: string;
  apiVersion: string;
}): Promise<FakeServer> {
  return startOpenAIWireFake({
    name: "azure",
    apiKey: o.apiKey,
    credential: (h) => (typeof h["api-key"] === "string" ? h["api-key"] : undefined),
    checkUrl: (url) => {
      if (url.pathname !== `/openai/deployments/${o.deployment}/chat/completions`) return "DeploymentNotFound";
      if (url.searchParams.get("api-version") !== o.apiVersion) return "Unsupported api-version";
      return undefined;
    },
    errorBody: (status, message) => azureErrorBody(status, message),
    chunkDelayMs: 2,
  });
}
