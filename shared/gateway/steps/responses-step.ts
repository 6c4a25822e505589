import { BadRequestError } from "../../core/errors";
import { EngineNotLoadedError, lazyEngine } from "../../core/lazy-engine";
import type { CoreResponse } from "../../http/types";
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

/** A response the chat layer made: its id, and the object (a stream's) or the JSON (an answer's). */
interface MadeResponse {
  readonly id: string;
  readonly response?: Json;
  readonly body?: string | Buffer;
}

/**
 * The Responses API's state and translation code (`protocols/responses-*.ts`), loaded with the first Responses
 * request, not at cold start (ADR 0044).
 */
const responsesCode = lazyEngine("Responses state", async () => {
  const [request, state, stream] = await Promise.all([
    import("../../providers/protocols/responses-request"),
    import("../../providers/protocols/responses-state"),
    import("../../providers/protocols/responses-stream"),
  ]);
  return { ...request, ...state, ...stream };
});
type ResponsesCode = Awaited<ReturnType<typeof responsesCode.load>>;

const LEADING_ID = /^\{"id":"(resp_[0-9a-f]{48})"/;
/** At most this many stored responses are read to resolve one request's `item_reference` items. */
const MAX_REFERENCED_RESPONSES = 16;

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
 * not hold goes on unchanged: OpenAI resolves its own, the chat layer answers `previous_response_not_found`); an
 * `item_reference` to an item of a response the store holds (the Vercel AI SDK sends them) becomes that item, the
 * same way.
 * `finish`: a response the chat layer made is stored after the answer (a stream: at its clean end), unless
 * `store: false`. Requests to other endpoints cost one comparison.
 */
export function createResponsesStep(deps: ResponsesStepDeps): RequestStep {
  const { store, providers, background } = deps;
  /**
   * Writes still running, by workspace and id: a read of the same id waits for its write, so a client that chains
   * `previous_response_id` the moment it has an answer finds it (on this instance; see ADR 0029).
   */
  const writing = new Map<string, Promise<unknown>>();

  async function lookUp(run: RequestRun, id: string): Promise<StoredLookup> {
    const workspace = workspaceOf(run);
    const write = writing.get(`${workspace}\n${id}`);
    if (write) await write.catch(() => undefined);
    return store.get(workspace, id);
  }

  async function continueConversation(run: RequestRun, id: string): Promise<undefined> {
    const { conversationOf, inputItems, EXPANDED_FROM } = responsesCode.get();
    const found = await lookUp(run, id);
    if (found === undefined) return undefined;
    if (!isStored(found)) throw notStored(id, found.tooLarge, "previous_response_id");
    const { previous_response_id: _, ...body } = run.body;
    const input = [...conversationOf(found), ...inputItems(body.input)];
    run.body = { ...body, input, [EXPANDED_FROM]: id };
    run.modelRewritten = true; // the body the targets get differs from the client's bytes
    return undefined;
  }

  /** Replaces `item_reference` items with the items of this workspace's stored responses they name. */
  async function resolveReferences(run: RequestRun): Promise<void> {
    const { conversationOf, inputItems, referencedResponses, resolveItemReferences } = responsesCode.get();
    const items = inputItems(run.body.input);
    const ids = referencedResponses(items);
    if (ids.length === 0) return;
    if (ids.length > MAX_REFERENCED_RESPONSES) {
      throw new BadRequestError(
        `"input" references items of ${ids.length} responses; at most ${MAX_REFERENCED_RESPONSES} are read.`,
        { param: "input", code: "invalid_value" },
      );
    }
    const known = new Map<string, Json>();
    for (const [i, found] of (await Promise.all(ids.map((id) => lookUp(run, id)))).entries()) {
      if (found === undefined) continue;
      if (!isStored(found)) throw notStored(ids[i] as string, found.tooLarge, "input");
      for (const item of conversationOf(found)) if (typeof item.id === "string") known.set(item.id, item);
    }
    run.body = { ...run.body, input: resolveItemReferences(items, known) };
    run.modelRewritten = true;
  }

  async function expandInput(run: RequestRun, previous: unknown, references: boolean): Promise<undefined> {
    if (typeof previous === "string") await continueConversation(run, previous);
    if (references) await resolveReferences(run);
    return undefined;
  }

  async function serveStored(run: RequestRun): Promise<CoreResponse | undefined> {
    const id = run.routeParams.id as string;
    const workspace = workspaceOf(run);
    const found = await lookUp(run, id);
    if (found === undefined) return undefined; // not ours: the provider the request names answers
    switch (run.route?.endpoint) {
      case "responses_delete":
        await store.delete(workspace, id);
        return json({ id, object: "response", deleted: true });
      case "responses_input_items": {
        const { inputItemsPage, readInputItemsQuery } = responsesCode.get();
        const query = readInputItemsQuery(run.req.query);
        if (!isStored(found)) throw notStored(id, found.tooLarge, null);
        return json(inputItemsPage(found.input, query));
      }
      default:
        if (!isStored(found)) throw notStored(id, found.tooLarge, null);
        return json(found.response);
    }
  }

  /** After the answer: the response (parsed here, off the answer's path) and its input. */
  async function storeAnswer(run: RequestRun, made: MadeResponse): Promise<void> {
    const response = made.response ?? (JSON.parse(String(made.body)) as Json);
    const input = responsesCode.get().storedInput(run.body.input, made.id);
    await store.put(workspaceOf(run), { response, input });
  }

  /**
   * The response to store, when the chat layer made it (a native provider keeps its own state). The target's
   * provider is loaded: the attempt that made the outcome loaded it.
   */
  function madeByChatLayer(run: RequestRun): MadeResponse | undefined {
    const outcome = run.outcome;
    const target = run.target;
    if (!outcome?.ok || !target || !providers.get(target.provider).viaChat.has("responses")) return undefined;
    const result: CachedAttemptResult = outcome.value;
    if (result.kind === "stream") {
      const { ResponsesFromChatStream } = responsesCode.get(); // loaded by this request's `before`
      const response = result.translator instanceof ResponsesFromChatStream ? result.translator.completed : undefined;
      return typeof response?.id === "string" ? { id: response.id, response } : undefined;
    }
    if (result.kind !== "json") return undefined;
    // the chat layer's answer starts with its id (responses-answer.ts): no parse on the answer's path
    const { body } = result.response;
    const id = LEADING_ID.exec(typeof body === "string" ? body.slice(0, 80) : body.toString("utf8", 0, 80))?.[1];
    return id === undefined ? undefined : { id, body };
  }

  function respond(run: RequestRun, code = responsesCode.get()): Promise<CoreResponse | undefined> | undefined {
    switch (run.route?.endpoint) {
      case "responses": {
        const previous = run.body.previous_response_id;
        const references = code.hasItemReference(run.body.input);
        return typeof previous === "string" || references ? expandInput(run, previous, references) : undefined;
      }
      case "responses_get":
      case "responses_delete":
      case "responses_input_items":
        return serveStored(run);
      default:
        return undefined;
    }
  }

  return {
    name: "responses",

    before(run: RequestRun): Promise<CoreResponse | undefined> | undefined {
      const endpoint = run.route?.endpoint;
      if (!endpoint?.startsWith("responses")) return undefined;
      let code: ResponsesCode;
      try {
        code = responsesCode.get();
      } catch (err) {
        if (!(err instanceof EngineNotLoadedError)) throw err;
        return responsesCode.load().then(() => respond(run));
      }
      return respond(run, code);
    },

    finish(run: RequestRun, end: RequestEnd): void {
      if (run.route?.endpoint !== "responses" || end.status < 200 || end.status >= 300) return;
      if (run.body.store === false) return;
      const made = madeByChatLayer(run);
      if (!made) return;
      const key = `${workspaceOf(run)}\n${made.id}`;
      const write = storeAnswer(run, made);
      writing.set(key, write);
      background(write.finally(() => writing.delete(key)));
    },
  };
}
