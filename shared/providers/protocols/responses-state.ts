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
