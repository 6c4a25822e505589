import { BadRequestError } from "../core/errors";

/** The body of `POST /v1/prompts/{id}/render|completions`: variables plus hyperparameters at the root. */
export interface PromptRequest {
  readonly variables: Readonly<Record<string, unknown>>;
  /** Hyperparameters that override the prompt's (`model`, `temperature`, `stream`, ...). */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** `messages` sent with the request: appended after the rendered template messages (e.g. chat history). */
  readonly extraMessages: readonly unknown[];
}

/** Keys that are about the call, never model parameters: the SDK's `promptID` (render sends it in the body). */
const NOT_PARAMETERS = new Set(["variables", "messages", "promptID", "prompt_id"]);

export function readPromptRequest(body: Readonly<Record<string, unknown>>): PromptRequest {
  const variables = body.variables ?? {};
  if (typeof variables !== "object" || variables === null || Array.isArray(variables)) {
    throw new BadRequestError("variables must be a JSON object.", { param: "variables", code: "invalid_variables" });
  }
  const messages = body.messages ?? [];
  if (!Array.isArray(messages)) {
    throw new BadRequestError("messages must be an array of chat messages.", { param: "messages" });
  }
  const overrides: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!NOT_PARAMETERS.has(key)) overrides[key] = value;
  return { variables: variables as Record<string, unknown>, overrides, extraMessages: messages };
}

/** Prompt parameters, then the request's overrides, then the messages (template first, request's after). */
export function renderedBody(
  parameters: Readonly<Record<string, unknown>>,
  request: PromptRequest,
  messages: readonly unknown[],
): Record<string, unknown> {
  return { ...parameters, ...request.overrides, messages: [...messages, ...request.extraMessages] };
}
