import { BadRequestError } from "../../core/errors";
import type { CoreResponse } from "../../http/types";
import { EXPANDED_FROM, inputItems } from "../../providers/protocols/responses-request";
import {
  conversationOf,
  inputItemsPage,
  readInputItemsQuery,
  storedInput,
} from "../../providers/protocols/responses-state";
import { ResponsesFromChatStream } from "../../providers/protocols/responses-stream";
import type { ProviderRegistry } from "../../providers/registry";
import type { ResponseStore, StoredLookup, StoredResponse } from "../../store/response-store";
import type { CachedAttemptResult } from "../attempt";
import type { RequestEnd, RequestRun, RequestStep } from "../request-run";

export interface ResponsesStepDeps {
  readonly store: ResponseStore;
  readonly providers: ProviderRegistry;
  /** Work after the answer (the store write). */
  readonly background: (work: Promise<unknown>) => void;
}

type Json = Record<string, unknown>;

const JSON_HEADERS = Object.freeze({ "content-type": "application/json" });

function json(body: unknown): CoreResponse {
  return { status: 200, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
}

function workspaceOf(run: RequestRun): string {
  return run.principal?.workspaceId ?? "anonymous";
}

/** A response recorded as too large to store: answered, but its state is not kept (docs/responses.md). */
function notStored(id: string, bytes: number, param: string | null): BadRequestError {
  return new BadRequestError(
    `Response '${id}' was answered but not stored: its conversation is ${bytes} bytes compressed, more than the ` +
      "gateway's store keeps. Send the conversation as input instead.",
    { param, code: "response_not_stored" },
  );
}

function isStored(found: StoredLookup): found is StoredResponse {
  return found !== undefined && !("tooLarge" in found);
}

/**
 * Conversation state of the Responses API for the providers served through the chat translation layer (docs/
 * responses.md, ADR 0029), as a request step after `plan` and before `limits` (so the budget estimate sees the
 * whole conversation). `before`: `GET`/`DELETE /v1/responses/{id}` and `.../input_items` of an id this workspace's
 * store holds are answered here (any other id goes on to the provider: OpenAI's own, or the chat layer's 404); a
 * `previous_response_id` the store holds becomes the conversation it names, prepended to `input` (an id it does
 * not hold goes on unchanged: OpenAI resolves its own, the chat layer answers `previous_response_not_found`).
 * `finish`: a response the chat layer made is stored after the answer (a stream: at its clean end), unless
 * `store: false`. Requests to other endpoints cost one comparison.
 */
export function createResponsesStep(deps: ResponsesStepDeps): RequestStep {
  const { store, providers, background } = deps;

  async function continueConversation(run: RequestRun, id: string): Promise<undefined> {
    const found = await store.get(workspaceOf(run), id);
    if (found === undefined) return undefined;
    if (!isStored(found)) throw notStored(id, found.tooLarge, "previous_response_id");
    const { previous_response_id: _, ...body } = run.body;
    const input = [...conversationOf(found), ...inputItems(body.input)];
    run.body = { ...body, input, [EXPANDED_FROM]: id };
    run.modelRewritten = true; // the body the targets get differs from the client's bytes
    return undefined;
  }

  async function serveStored(run: RequestRun): Promise<CoreResponse | undefined> {
    const id = run.routeParams.id as string;
    const workspace = workspaceOf(run);
    const found = await store.get(workspace, id);
    if (found === undefined) return undefined; // not ours: the provider the request names answers
    switch (run.route?.endpoint) {
      case "responses_delete":
        await store.delete(workspace, id);
        return json({ id, object: "response", deleted: true });
      case "responses_input_items": {
        const query = readInputItemsQuery(run.req.query);
        if (!isStored(found)) throw notStored(id, found.tooLarge, null);
        return json(inputItemsPage(found.input, query));
      }
      default:
        if (!isStored(found)) throw notStored(id, found.tooLarge, null);
        return json(found.response);
    }
  }

  /** After the answer: the response and its input, when the chat layer made it. */
  async function storeAnswer(run: RequestRun): Promise<void> {
    const response = madeByChatLayer(run);
    if (!response || typeof response.id !== "string") return;
    await store.put(workspaceOf(run), { response, input: storedInput(run.body.input, response.id) });
  }

  /** The response to store, when the chat layer made it (a native provider keeps its own state). */
  function madeByChatLayer(run: RequestRun): Json | undefined {
    const outcome = run.outcome;
    const target = run.target;
    if (!outcome?.ok || !target || !providers.get(target.provider).viaChat.has("responses")) return undefined;
    const result: CachedAttemptResult = outcome.value;
    if (result.kind === "stream") {
      return result.translator instanceof ResponsesFromChatStream ? result.translator.completed : undefined;
    }
    if (result.kind !== "json") return undefined;
    try {
      const response = JSON.parse(result.response.body.toString()) as Json;
      return response.object === "response" ? response : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    name: "responses",

    before(run: RequestRun): Promise<CoreResponse | undefined> | undefined {
      switch (run.route?.endpoint) {
        case "responses": {
          const previous = run.body.previous_response_id;
          return typeof previous === "string" ? continueConversation(run, previous) : undefined;
        }
        case "responses_get":
        case "responses_delete":
        case "responses_input_items":
          return serveStored(run);
        default:
          return undefined;
      }
    },

    finish(run: RequestRun, end: RequestEnd): void {
      if (run.route?.endpoint !== "responses" || end.status < 200 || end.status >= 300) return;
      if (run.body.store === false) return;
      background(storeAnswer(run));
    },
  };
}
