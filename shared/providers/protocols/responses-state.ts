import { BadRequestError } from "../../core/errors";
import { inputItems } from "./responses-request";

type Json = Record<string, unknown>;

/**
 * The Responses API's conversation state in its own wire format (docs/responses.md): the input items a response is
 * stored with, the conversation `previous_response_id` continues, and the `input_items` list. Pure.
 */

/** The request's input as stored items: each with an `id` (named after the response) and content parts. */
export function storedInput(input: unknown, responseId: string): Json[] {
  const hex = responseId.slice("resp_".length);
  return inputItems(input).map((item, n) => {
    const type = item.type ?? "message";
    const id = typeof item.id === "string" ? item.id : `${type === "message" ? "msg" : "item"}_${hex}_in${n}`;
    if (type !== "message") return { ...item, id };
    const role = item.role;
    const content =
      typeof item.content === "string"
        ? [{ type: role === "assistant" ? "output_text" : "input_text", text: item.content }]
        : item.content;
    return { id, type: "message", status: "completed", role, content };
  });
}

/** What a stored response contributes to the next request's input: its input, then its output items. */
export function conversationOf(stored: { readonly response: Json; readonly input: readonly Json[] }): Json[] {
  const output = Array.isArray(stored.response.output) ? (stored.response.output as Json[]) : [];
  return [...stored.input, ...output];
}

/**
 * The chat layer's item ids name their response: `msg_<hex>_0`, `fc_<hex>_1` (output) and `msg_<hex>_in0` (input)
 * belong to `resp_<hex>` (responses-answer.ts, `storedInput`). So an `item_reference` costs one read of that response.
 */
const ITEM_ID = /^[a-z]+_([0-9a-f]{48})_(?:in)?[0-9]+$/;

function isReference(item: unknown): item is { type: "item_reference"; id: string } {
  const i = item as Json | null;
  return typeof i === "object" && i !== null && i.type === "item_reference" && typeof i.id === "string";
}

/** Whether a request's `input` holds an `item_reference` item (one pass, no allocation). */
export function hasItemReference(input: unknown): boolean {
  return Array.isArray(input) && input.some(isReference);
}

/** The distinct responses the input's `item_reference` items point into, as far as the ids tell. */
export function referencedResponses(items: readonly Json[]): string[] {
  const ids = new Set<string>();
  for (const item of items) {
    const hex = isReference(item) ? ITEM_ID.exec(item.id)?.[1] : undefined;
    if (hex !== undefined) ids.add(`resp_${hex}`);
  }
  return [...ids];
}

/** The input with every `item_reference` to an item of `known` (by id) replaced by that item; others are left. */
export function resolveItemReferences(items: readonly Json[], known: ReadonlyMap<string, Json>): Json[] {
  return items.map((item) => (isReference(item) ? (known.get(item.id) ?? item) : item));
}

export interface InputItemsQuery {
  readonly limit: number;
  readonly order: "asc" | "desc";
  readonly after: string | undefined;
}

/** `limit` (1-100, default 20), `order` (default desc) and `after` of `GET /v1/responses/{id}/input_items`. */
export function readInputItemsQuery(query: URLSearchParams): InputItemsQuery {
  const rawLimit = query.get("limit");
  const limit = rawLimit === null ? 20 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new BadRequestError('"limit" must be an integer from 1 to 100.', { param: "limit", code: "invalid_value" });
  }
  const order = query.get("order") ?? "desc";
  if (order !== "asc" && order !== "desc") {
    throw new BadRequestError('"order" must be "asc" or "desc".', { param: "order", code: "invalid_value" });
  }
  return { limit, order, after: query.get("after") ?? undefined };
}

/** One page of a stored response's input items, as OpenAI lists them. */
export function inputItemsPage(items: readonly Json[], query: InputItemsQuery): Json {
  const ordered = query.order === "asc" ? items : [...items].reverse();
  const at = query.after === undefined ? -1 : ordered.findIndex((item) => item.id === query.after);
  // an `after` that is not an item of this list ends it (a client paging never loops)
  const start = query.after === undefined ? 0 : at === -1 ? ordered.length : at + 1;
  const data = ordered.slice(start, start + query.limit);
  return {
    object: "list",
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + query.limit < ordered.length,
  };
}
