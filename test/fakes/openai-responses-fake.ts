import type { ServerResponse } from "node:http";
import { type FakeContext, type FakeServer, startFakeServer, writeFrames } from "./fake-server";
import { ConversationBuilder, fragments, textDeltas } from "./scripted-reply";

/**
 * A fake of OpenAI's Responses API in its documented wire format (the OpenAPI spec and the `openai` SDK's types):
 * `POST /v1/responses` (a `response` object, or the SSE event sequence ending in `response.completed`), `GET` and
 * `DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`, its own `previous_response_id` state, and
 * OpenAI's error bodies. Answers follow the shared script (scripted-reply.ts): "weather" with tools is a call, and
 * `text.format` (json_schema, json_object) makes the text JSON.
 */
type Json = Record<string, unknown>;

interface Stored {
  readonly response: Json;
  readonly input: Json[];
}

export interface OpenAIResponsesFake extends FakeServer {
  /** `<origin>/v1`, for `x-portkey-custom-host` and virtual keys. */
  readonly baseUrl: string;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((p: Json) => (typeof p.text === "string" ? p.text : ""))
    .filter(Boolean)
    .join(" ");
}

function error(res: ServerResponse, status: number, message: string, param: string | null, code: string | null): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type: "invalid_request_error", param, code } }));
}

function items(input: unknown): Json[] {
  if (typeof input === "string") return [{ type: "message", role: "user", content: input }];
  return Array.isArray(input) ? (input as Json[]) : [];
}

export async function startOpenAIResponsesFake(apiKey: string, chunkDelayMs = 2): Promise<OpenAIResponsesFake> {
  const stored = new Map<string, Stored>();
  let seq = 0;

  function respond(body: Json, conversation: Json[]): { response: Json; frames: string[] } {
    seq += 1;
    const id = `resp_fake${seq}`;
    const builder = new ConversationBuilder(typeof body.instructions === "string" ? body.instructions : "");
    for (const item of conversation) {
      if (item.type === "function_call_output")
        builder.message("other", { texts: [], toolResult: String(item.output) });
      else if ((item.type ?? "message") === "message") {
        builder.message(item.role === "user" ? "user" : "other", { texts: [textOf(item.content)] });
      }
    }
    const tools = Array.isArray(body.tools) ? (body.tools as Json[]).map((t) => String(t.name)) : [];
    // structured outputs: `text.format` json_schema (its schema) or json_object (any object) makes the text JSON
    const format = (body.text as Json | undefined)?.format as Json | undefined;
    const schema =
      format?.type === "json_schema" ? (format.schema as Json) : format?.type === "json_object" ? {} : undefined;
    const { reply, prompt } = builder.script(tools, body.max_output_tokens, undefined, schema);
    const base: Json = {
      id,
      object: "response",
      created_at: 1_741_476_542,
      status: "in_progress",
      error: null,
      incomplete_details: null,
      instructions: body.instructions ?? null,
      max_output_tokens: body.max_output_tokens ?? null,
      model: "gpt-4.1-2025-04-14",
      output: [],
      parallel_tool_calls: true,
      previous_response_id: body.previous_response_id ?? null,
      reasoning: { effort: null, summary: null },
      store: body.store !== false,
      temperature: 1,
      text: body.text ?? { format: { type: "text" } },
      tool_choice: "auto",
      tools: body.tools ?? [],
      top_p: 1,
      truncation: "disabled",
      usage: null,
      metadata: {},
    };
    const frames: string[] = [];
    let n = 0;
    const event = (type: string, payload: Json) =>
      frames.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload, sequence_number: n++ })}\n\n`);
    event("response.created", { response: base });
    event("response.in_progress", { response: base });
    let output: Json[];
    let completion: number;
    let status = "completed";
    if (reply.kind === "tool") {
      const args = JSON.stringify(reply.args);
      const item = {
        id: `fc_${seq}`,
        type: "function_call",
        status: "completed",
        arguments: args,
        call_id: `call_${seq}`,
        name: reply.name,
      };
      event("response.output_item.added", { output_index: 0, item: { ...item, arguments: "", status: "in_progress" } });
      for (const piece of fragments(args)) {
        event("response.function_call_arguments.delta", { item_id: item.id, output_index: 0, delta: piece });
      }
      event("response.function_call_arguments.done", { item_id: item.id, output_index: 0, arguments: args });
      event("response.output_item.done", { output_index: 0, item });
      output = [item];
      completion = 3;
    } else {
      const text = reply.words.join(" ");
      const msgId = `msg_${seq}`;
      const part = { type: "output_text", annotations: [], logprobs: [], text: "" };
      const where = { item_id: msgId, output_index: 0, content_index: 0 };
      event("response.output_item.added", {
        output_index: 0,
        item: { id: msgId, type: "message", status: "in_progress", content: [], role: "assistant" },
      });
      event("response.content_part.added", { ...where, part });
      for (const delta of textDeltas(reply.words))
        event("response.output_text.delta", { ...where, delta, logprobs: [] });
      event("response.output_text.done", { ...where, text, logprobs: [] });
      event("response.content_part.done", { ...where, part: { ...part, text } });
      const item = { id: msgId, type: "message", status: "completed", content: [{ ...part, text }], role: "assistant" };
      event("response.output_item.done", { output_index: 0, item });
      output = [item];
      completion = reply.words.length;
      if (reply.finish === "length") status = "incomplete";
    }
    const usage = {
      input_tokens: prompt,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: completion,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: prompt + completion,
    };
    const response: Json = {
      ...base,
      status,
      incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
      output,
      usage,
    };
    event(status === "incomplete" ? "response.incomplete" : "response.completed", { response });
    return { response, frames };
  }

  async function handle({ req, res, recorded, fault }: FakeContext): Promise<void> {
    const url = new URL(recorded.path, "http://fake");
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      error(res, 401, "Incorrect API key provided.", null, "invalid_api_key");
      return;
    }
    const match = /^\/v1\/responses(?:\/([^/]+)(\/input_items)?)?$/.exec(url.pathname);
    if (!match) {
      error(res, 404, `Invalid URL (${req.method} ${url.pathname})`, null, null);
      return;
    }
    const [, id, inputItems] = match;
    if (id !== undefined) {
      const found = stored.get(id);
      if (!found) {
        error(res, 404, `Response with id '${id}' not found.`, null, null);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      if (req.method === "DELETE") {
        stored.delete(id);
        res.end(JSON.stringify({ id, object: "response", deleted: true }));
      } else if (inputItems) {
        const data = [...found.input].reverse();
        res.end(
          JSON.stringify({
            object: "list",
            data,
            first_id: data[0]?.id ?? null,
            last_id: data.at(-1)?.id ?? null,
            has_more: false,
          }),
        );
      } else res.end(JSON.stringify(found.response));
      return;
    }
    const body = recorded.json();
    let conversation = items(body.input);
    if (typeof body.previous_response_id === "string") {
      const previous = stored.get(body.previous_response_id);
      if (!previous) {
        error(
          res,
          400,
          `Previous response with id '${body.previous_response_id}' not found.`,
          "previous_response_id",
          "previous_response_not_found",
        );
        return;
      }
      conversation = [...previous.input, ...(previous.response.output as Json[]), ...conversation];
    }
    const { response, frames } = respond(body, conversation);
    if (body.store !== false) {
      stored.set(String(response.id), {
        response,
        input: conversation.map((item, i) => ({ id: `in_${seq}_${i}`, ...item })),
      });
    }
    if (body.stream !== true) {
      res.writeHead(200, { "content-type": "application/json", "x-request-id": `req_${seq}` });
      res.end(JSON.stringify(response));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "x-request-id": `req_${seq}` });
    await writeFrames(res, frames, fault, chunkDelayMs);
  }

  const server = await startFakeServer(handle);
  return Object.assign(server, { baseUrl: `${server.origin}/v1` });
}
