import { BadRequestError } from "../core/errors";

/**
 * What a provider does with each OpenAI request parameter it cannot pass on as is:
 * - "map": translated into the provider's own field;
 * - "drop": not sent, and listed in the `x-portkey-dropped-params` response header;
 * - "refuse": a 400 `unsupported_parameter`, because dropping it would change the answer the client relies on.
 * A parameter is only refused or dropped when its value differs from OpenAI's default (e.g. `n: 1` is fine).
 */
export type ParamDecision = "map" | "drop" | "refuse";
export type ParamPolicy = Readonly<Record<string, ParamDecision>>;

/** OpenAI's defaults: a parameter sent with its default value asks for nothing and is ignored. */
const DEFAULTS: Readonly<Record<string, unknown>> = {
  n: 1,
  logprobs: false,
  presence_penalty: 0,
  frequency_penalty: 0,
  parallel_tool_calls: true,
  store: false,
  stream: false,
};

/** The chat parameters every translating adapter reads itself. */
const ALWAYS_MAPPED = new Set(["model", "messages", "stream", "stream_options"]);

function isDefault(name: string, value: unknown): boolean {
  return value === undefined || value === null || DEFAULTS[name] === value;
}

/**
 * Applies a provider's policy to a chat body: throws for refused parameters, returns the names of the dropped
 * ones. Parameters the policy does not name are dropped (an unknown parameter must never reach a provider that
 * would reject the whole request for it).
 */
export function applyParamPolicy(body: Readonly<Record<string, unknown>>, policy: ParamPolicy, provider: string) {
  const dropped: string[] = [];
  for (const name in body) {
    if (ALWAYS_MAPPED.has(name)) continue;
    const decision = policy[name] ?? "drop";
    if (decision === "map") continue;
    if (isDefault(name, body[name])) continue;
    if (decision === "refuse") {
      throw new BadRequestError(`Parameter "${name}" is not supported by provider ${provider}.`, {
        param: name,
        code: "unsupported_parameter",
      });
    }
    dropped.push(name);
  }
  return dropped;
}

/** Parameters every chat translator maps the same way (it reads them through `readChatRequest`). */
export const COMMON_CHAT_MAPPED: ParamPolicy = {
  max_tokens: "map",
  max_completion_tokens: "map",
  temperature: "map",
  top_p: "map",
  stop: "map",
  tools: "map",
  tool_choice: "map",
  n: "refuse",
  logprobs: "refuse",
  top_logprobs: "refuse",
  functions: "refuse",
  function_call: "refuse",
  audio: "refuse",
  modalities: "refuse",
  logit_bias: "drop",
  service_tier: "drop",
  store: "drop",
  metadata: "drop",
  prediction: "drop",
  reasoning_effort: "drop",
  web_search_options: "refuse",
};
