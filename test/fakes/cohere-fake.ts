import type { ServerResponse } from "node:http";
import { type FakeContext, type FakeServer, startFakeServer, writeFrames } from "./fake-server";
import { ranked } from "./rerank-scoring";
import { ConversationBuilder, fragments, type Script, type ScriptedReply, textDeltas } from "./scripted-reply";

/**
 * A fake of Cohere's v2 API: `POST /v2/chat` (JSON, and SSE with `event: <type>` lines: message-start,
 * content-start/delta/end, tool-plan-delta, tool-call-start/delta/end, message-end) and `POST /v2/embed`, Bearer
 * key, `{"id","message"}` error bodies, finish reasons COMPLETE / MAX_TOKENS / TOOL_CALL, usage with billed units.
 */
export interface CohereFake extends FakeServer {
  readonly baseUrl: string;
}

export function cohereErrorBody(status: number, message = `fake cohere error ${status}`): string {
  return JSON.stringify({ id: "err-fake", message });
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(cohereErrorBody(status, message));
}

type Json = Record<string, unknown>;

function textOf(content: unknown): { text: string; images: number } {
  if (typeof content === "string") return { text: content, images: 0 };
  if (!Array.isArray(content)) return { text: "", images: 0 };
  const parts = content as Json[];
  return {
    text: parts
      .filter((p) => p.type === "text")
      .map((p) => String(p.text))
      .join(" "),
    images: parts.filter((p) => p.type === "image_url" && typeof (p.image_url as Json)?.url === "string").length,
  };
}

function readConversation(body: Json): Script | string {
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "invalid request: messages must not be empty";
  const messages = body.messages as Json[];
  const conversation = new ConversationBuilder(
    messages
      .filter((m) => m.role === "system")
      .map((m) => textOf(m.content).text)
      .join("\n\n"),
  );
  const callIds = new Set<string>();
  for (const m of messages) {
    const { text, images } = textOf(m.content);
    if (m.role === "system") {
      conversation.message("other", { texts: [] }); // its text is the system prompt's
    } else if (m.role === "user") {
      conversation.message("user", { texts: [text], images });
    } else if (m.role === "assistant") {
      for (const c of (m.tool_calls as Json[] | undefined) ?? []) callIds.add(String(c.id));
      conversation.message("other", { texts: [text] });
    } else if (m.role === "tool") {
      if (!callIds.has(String(m.tool_call_id))) return "invalid request: tool message without a matching tool call";
      conversation.message("other", { texts: [], toolResult: text });
    } else {
      return `invalid request: unknown role ${String(m.role)}`;
    }
  }
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  return conversation.script(
    tools.map((t) => String((t.function as Json).name)),
    body.max_tokens,
  );
}

function finishOf(reply: ScriptedReply): string {
  if (reply.kind === "tool") return "TOOL_CALL";
  return reply.finish === "length" ? "MAX_TOKENS" : "COMPLETE";
}

function usage(prompt: number, completion: number): Json {
  return {
    billed_units: { input_tokens: prompt, output_tokens: completion },
    tokens: { input_tokens: prompt + 60, output_tokens: completion },
  };
}

function sse(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** The SSE events Cohere sends for a reply (exported for stream property tests). */
export function cohereStreamFrames(
  id: string,
  reply: ScriptedReply,
  prompt: number,
  completion: number,
  call: Json | undefined,
): string[] {
  const frames = [
    sse("message-start", {
      id,
      delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] } },
    }),
  ];
  if (reply.kind === "text") {
    frames.push(sse("content-start", { index: 0, delta: { message: { content: { type: "text", text: "" } } } }));
    for (const text of textDeltas(reply.words))
      frames.push(sse("content-delta", { index: 0, delta: { message: { content: { text } } } }));
    frames.push(sse("content-end", { index: 0 }));
  } else if (call) {
    for (const tool_plan of textDeltas(reply.preamble.split(" ")))
      frames.push(sse("tool-plan-delta", { delta: { message: { tool_plan } } }));
    frames.push(
      sse("tool-call-start", {
        index: 0,
        delta: { message: { tool_calls: { ...call, function: { name: reply.name, arguments: "" } } } },
      }),
    );
    for (const args of fragments(JSON.stringify(reply.args))) {
      frames.push(
        sse("tool-call-delta", { index: 0, delta: { message: { tool_calls: { function: { arguments: args } } } } }),
      );
    }
    frames.push(sse("tool-call-end", { index: 0 }));
  }
  frames.push(sse("message-end", { delta: { finish_reason: finishOf(reply), usage: usage(prompt, completion) } }));
  return frames;
}

export async function startCohereFake(options: { apiKey: string; chunkDelayMs?: number }): Promise<CohereFake> {
  let seq = 0;

  async function handle({ req, res, recorded, fault }: FakeContext): Promise<void> {
    if (req.method !== "POST" || !["/v2/chat", "/v2/embed", "/v2/rerank"].includes(recorded.path))
      return fail(res, 404, "not found");
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return fail(res, 401, "invalid api token");
    const body = recorded.json();
    seq += 1;
    if (recorded.path === "/v2/rerank") {
      // Cohere v2 rerank: `top_n`; results best first, billed in search units
      if (typeof body.query !== "string" || !Array.isArray(body.documents))
        return fail(res, 400, "invalid request: query and documents are required");
      const results = ranked(body.query, body.documents as string[], body.top_n as number | undefined);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: `rerank${seq}`, results, meta: { billed_units: { search_units: 1 } } }));
      return;
    }
    if (recorded.path === "/v2/embed") {
      if (typeof body.input_type !== "string") return fail(res, 400, "invalid request: input_type is required");
      const texts = body.texts as string[];
      const float = texts.map((t) => Array.from({ length: 8 }, (_, i) => ((t.length + i) % 7) / 7));
      const tokens = texts.reduce((n, t) => n + t.split(/\s+/).length, 0);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: `emb${seq}`,
          embeddings: { float },
          texts,
          meta: { billed_units: { input_tokens: tokens } },
          response_type: "embeddings_by_type",
        }),
      );
      return;
    }
    const script = readConversation(body);
    if (typeof script === "string") return fail(res, 400, script);
    const { reply, prompt } = script;
    const completion = reply.kind === "text" ? reply.words.length : 5;
    const id = `cohere-fake-${seq}`;
    const call =
      reply.kind === "tool"
        ? {
            id: `${reply.name}_fake${seq}`,
            type: "function",
            function: { name: reply.name, arguments: JSON.stringify(reply.args) },
          }
        : undefined;
    if (body.stream !== true) {
      const message: Json = { role: "assistant" };
      if (reply.kind === "text") message.content = [{ type: "text", text: reply.words.join(" ") }];
      else {
        message.tool_plan = reply.preamble;
        message.tool_calls = [call];
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id, finish_reason: finishOf(reply), message, usage: usage(prompt, completion) }));
      return;
    }
    const frames = cohereStreamFrames(id, reply, prompt, completion, call);
    res.writeHead(200, { "content-type": "text/event-stream" });
    await writeFrames(res, frames, fault, options.chunkDelayMs);
  }

  const server = await startFakeServer(handle);
  return Object.assign(server, { baseUrl: `${server.origin}/v2` });
}
