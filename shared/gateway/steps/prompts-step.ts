import { MethodNotAllowedError, NotFoundError } from "../../core/errors";
import type { Authenticator } from "../../core/principal";
import { type CoreRequest, type CoreResponse, jsonResponse } from "../../http/types";
import { readPromptRequest, renderedBody } from "../../prompts/prompt-request";
import type { PromptSource, ResolvedPrompt } from "../../prompts/prompt-resolver";
import { parseJsonObject } from "../parse-body";
import type { RenderedPrompt, RequestRun, RequestStep } from "../request-run";

export interface PromptStepDeps {
  /** The gateway's authenticator: prompt calls need a key with the `completions` scope, like completions do. */
  readonly authenticator: Authenticator;
  readonly prompts: PromptSource;
}

const PREFIX = "/v1/prompts/";
/** What the data plane does with a saved prompt: `POST /v1/prompts/{id}/<action>`. */
const ACTIONS = ["render", "completions"] as const;
const ROUTE = new RegExp(`^/v1/prompts/([^/]+)/(${ACTIONS.join("|")})/?$`);

/** The prompt routes the gateway serves (the rest of `/v1/prompts` is the admin API). */
export const PROMPT_GATEWAY_ROUTES = ACTIONS.map((action) => ({
  method: "POST",
  path: `/v1/prompts/{id}/${action}`,
})) satisfies ReadonlyArray<{ method: string; path: string }>;
/** Headers that say how to route; when the request sends one, the prompt's virtual key does not apply. */
const ROUTING_HEADERS = ["x-portkey-config", "x-portkey-virtual-key", "x-portkey-provider"] as const;

function promptHeaders(prompt: { readonly id: string; readonly version: number }): Record<string, string> {
  return { "x-portkey-prompt-id": prompt.id, "x-portkey-prompt-version": String(prompt.version) };
}

function rendered(prompt: ResolvedPrompt, body: Record<string, unknown>): RenderedPrompt {
  return {
    body,
    id: prompt.slug,
    version: prompt.promptVersion,
    ...(prompt.compiled.virtualKey === undefined ? {} : { virtualKey: prompt.compiled.virtualKey }),
  };
}

/** `prompt_id` / `prompt_version` go into the log metadata, under whatever the caller sent. */
function withPromptMetadata(header: string | undefined, prompt: ResolvedPrompt): string | undefined {
  let caller: unknown = {};
  if (header !== undefined && header !== "") {
    try {
      caller = JSON.parse(header);
    } catch {
      return header; // the gateway core answers the malformed header with its own 400
    }
    if (typeof caller !== "object" || caller === null || Array.isArray(caller)) return header;
  }
  return JSON.stringify({
    prompt_id: prompt.slug,
    prompt_version: String(prompt.promptVersion),
    ...(caller as object),
  });
}

function decodeReference(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new NotFoundError(`Prompt '${segment}' not found.`, { code: "prompt_not_found" });
  }
}

/** The request the gateway core runs for `/completions`: a chat completion routed by the prompt's virtual key. */
function chatRequest(req: CoreRequest, prompt: ResolvedPrompt, body: Record<string, unknown>): CoreRequest {
  const headers: Record<string, string> = { ...req.headers, "content-type": "application/json" };
  delete headers["content-length"];
  delete headers["transfer-encoding"];
  const routed = ROUTING_HEADERS.some((name) => headers[name]) || String(body.model ?? "").startsWith("@");
  if (!routed && prompt.compiled.virtualKey !== undefined)
    headers["x-portkey-virtual-key"] = prompt.compiled.virtualKey;
  const metadata = withPromptMetadata(headers["x-portkey-metadata"], prompt);
  if (metadata !== undefined) headers["x-portkey-metadata"] = metadata;
  return {
    method: "POST",
    path: "/v1/chat/completions",
    query: new URLSearchParams(),
    headers,
    body: Buffer.from(JSON.stringify(body)),
    signal: req.signal,
    ...(req.sourceIp === undefined ? {} : { sourceIp: req.sourceIp }),
    ...(req.deadline === undefined ? {} : { deadline: req.deadline }),
  };
}

/**
 * Portkey's prompt endpoints as the first request step: `POST /v1/prompts/{id}/render` answers the rendered prompt
 * (`{success: true, data: {messages, model, ...}}`) here; `POST /v1/prompts/{id}/completions` becomes the chat
 * completion it renders, which the following steps run like any other (streaming included), so routing, limits,
 * caching and logging apply unchanged, and the answer names the prompt. Every other request costs one string
 * prefix check. Prompt calls authenticate here (the key needs the `completions` scope); as this step comes before
 * the log step, a render and a failed prompt call are not logged.
 */
export function createPromptsStep(deps: PromptStepDeps): RequestStep {
  return {
    name: "prompts",

    before(run: RequestRun): Promise<CoreResponse | undefined> | undefined {
      return run.req.path.startsWith(PREFIX) ? runPrompt(run) : undefined;
    },

    after(run: RequestRun, res: CoreResponse): CoreResponse {
      // the prompt that answered: a config target's `prompt_id` may have replaced the one in the path
      return run.prompt ? { ...res, headers: { ...res.headers, ...promptHeaders(run.prompt) } } : res;
    },
  };

  async function runPrompt(run: RequestRun): Promise<CoreResponse | undefined> {
    const { req } = run;
    const route = ROUTE.exec(req.path);
    if (route === null) throw new NotFoundError(`No route for ${req.method} ${req.path}.`, { code: "unknown_route" });
    if (req.method !== "POST") throw new MethodNotAllowedError(req.method, req.path);
    const principal = await deps.authenticator.authenticate(req, "completions");
    const request = readPromptRequest(parseJsonObject(req.body, req.headers["content-type"]));
    const prompt = await deps.prompts.resolve(principal.workspaceId, decodeReference(route[1] as string));
    const render = (resolved: ResolvedPrompt) =>
      renderedBody(
        resolved.compiled.parameters,
        request,
        resolved.compiled.renderMessages(request.variables, resolved.partials),
      );
    const body = render(prompt);
    const answered = { id: prompt.slug, version: prompt.promptVersion };
    if (route[2] === "render") return jsonResponse(200, { success: true, data: body }, promptHeaders(answered));
    run.principal = principal;
    run.prompt = answered;
    run.promptCall = {
      render: async (reference) => {
        const other = await deps.prompts.resolve(principal.workspaceId, reference);
        return rendered(other, render(other));
      },
    };
    run.req = chatRequest(req, prompt, body);
    return undefined;
  }
}
