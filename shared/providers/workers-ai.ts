import { requireOption } from "./adapter-kit";
import { openAICompatible } from "./openai-compatible";
import type { ProviderAdapter, TransformContext } from "./types";

const CLOUDFLARE_API = "https://api.cloudflare.com/client/v4";

/**
 * Cloudflare Workers AI through its OpenAI-compatible endpoints:
 * `https://api.cloudflare.com/client/v4/accounts/{workersAiAccountId}/ai/v1/{path}`, Bearer API token. The account
 * id is a required option (header `x-portkey-workers-ai-account-id`, 32 hex digits, checked before it enters the
 * URL). A custom host replaces `https://api.cloudflare.com/client/v4`.
 */
function workersAiUrl(ctx: TransformContext, path: string): string {
  const account = requireOption(ctx, "workersAiAccountId", "workers-ai");
  const custom = ctx.target.customHost;
  const base = custom ? custom.replace(/\/$/, "") : CLOUDFLARE_API;
  return `${base}/accounts/${account}/ai/v1${path}`;
}

export const workersAiAdapter: ProviderAdapter = openAICompatible({
  id: "workers-ai",
  endpoints: ["chat", "embeddings"],
  urlFor: workersAiUrl,
});
