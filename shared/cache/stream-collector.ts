import { StringDecoder } from "node:string_decoder";

/**
 * Rebuilds a `chat.completion` JSON from the `chat.completion.chunk` SSE a client was streamed, so a streamed
 * MISS can fill the cache. Feed it the same bytes the client gets (`push`), in any split; `result()` gives the JSON
 * only when the stream finished cleanly: every choice has a `finish_reason` and no error event was seen.
 * The answer's `usage` is kept when the stream carried it (`stream_options.include_usage`).
 */
interface ChoiceAcc {
  role: string;
  content: string[];
  refusal: string[];
  toolCalls: Map<number, { id?: string; type?: string; name?: string; args: string[] }>;
  logprobs: unknown[];
  finishReason: string | null;
}

export class ChatStreamCollector {
  private readonly decoder = new StringDecoder("utf8");
  private carry = "";
  private failed = false;
  private done = false;
  private readonly head: Record<string, unknown> = {};
  private readonly choices = new Map<number, ChoiceAcc>();
  private usage: unknown;
  private bytes = 0;

  /** @param maxBytes stop collecting (result() = undefined) past this many bytes: such answers are not cached. */
  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer | string): void {
    if (this.failed) return;
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.failed = true;
      return;
    }
    const text = this.carry + (typeof chunk === "string" ? chunk : this.decoder.write(chunk));
    const events = text.split(/\r?\n\r?\n/);
    this.carry = events.pop() ?? "";
    for (const event of events) this.onEvent(event);
  }

  /** The collected `chat.completion` JSON, or undefined when the stream was cut, errored or was too large. */
  result(): string | undefined {
    if (this.carry.trim() !== "") {
      this.onEvent(this.carry);
      this.carry = "";
    }
    if (this.failed || this.choices.size === 0) return undefined;
    const choices = [...this.choices.entries()].sort(([a], [b]) => a - b);
    if (choices.some(([, c]) => c.finishReason === null)) return undefined;
    const completion: Record<string, unknown> = {
      id: this.head.id,
      object: "chat.completion",
      created: this.head.created,
      model: this.head.model,
      choices: choices.map(([index, c]) => ({
        index,
        message: messageOf(c),
        logprobs: logprobsOf(c),
        finish_reason: c.finishReason,
      })),
    };
    if (this.usage) completion.usage = this.usage;
    if (this.head.system_fingerprint !== undefined) completion.system_fingerprint = this.head.system_fingerprint;
    if (this.head.service_tier !== undefined) completion.service_tier = this.head.service_tier;
    return JSON.stringify(completion);
  }

  get finished(): boolean {
    return this.done;
  }

  private onEvent(event: string): void {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).trimStart())
      .join("\n");
    if (data === "") return;
    if (data === "[DONE]") {
      this.done = true;
      return;
    }
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data) as Record<string, unknown>;
    } catch {
      this.failed = true;
      return;
    }
    if (chunk.error !== undefined) {
      this.failed = true;
      return;
    }
    for (const k of ["id", "created", "model", "system_fingerprint", "service_tier"]) {
      if (chunk[k] !== undefined && chunk[k] !== null && this.head[k] === undefined) this.head[k] = chunk[k];
    }
    if (chunk.usage) this.usage = chunk.usage;
    if (Array.isArray(chunk.choices))
      for (const choice of chunk.choices) this.onChoice(choice as Record<string, unknown>);
  }

  private onChoice(choice: Record<string, unknown>): void {
    const index = typeof choice.index === "number" ? choice.index : 0;
    let acc = this.choices.get(index);
    if (!acc) {
      acc = { role: "assistant", content: [], refusal: [], toolCalls: new Map(), logprobs: [], finishReason: null };
      this.choices.set(index, acc);
    }
    const delta = (choice.delta ?? {}) as Record<string, unknown>;
    if (typeof delta.role === "string") acc.role = delta.role;
    if (typeof delta.content === "string") acc.content.push(delta.content);
    if (typeof delta.refusal === "string") acc.refusal.push(delta.refusal);
    if (Array.isArray(delta.tool_calls)) {
      for (const raw of delta.tool_calls as Record<string, unknown>[]) {
        const k = typeof raw.index === "number" ? raw.index : 0;
        const call = acc.toolCalls.get(k) ?? { args: [] };
        const fn = (raw.function ?? {}) as Record<string, unknown>;
        if (typeof raw.id === "string") call.id = raw.id;
        if (typeof raw.type === "string") call.type = raw.type;
        if (typeof fn.name === "string") call.name = fn.name;
        if (typeof fn.arguments === "string") call.args.push(fn.arguments);
        acc.toolCalls.set(k, call);
      }
    }
    const logprobs = choice.logprobs as { content?: unknown[] } | null | undefined;
    if (logprobs && Array.isArray(logprobs.content)) acc.logprobs.push(...logprobs.content);
    if (typeof choice.finish_reason === "string") acc.finishReason = choice.finish_reason;
  }
}

function messageOf(c: ChoiceAcc): Record<string, unknown> {
  const message: Record<string, unknown> = {
    role: c.role,
    content: c.content.length > 0 || c.toolCalls.size === 0 ? c.content.join("") : null,
    refusal: c.refusal.length > 0 ? c.refusal.join("") : null,
  };
  if (c.toolCalls.size > 0) {
    message.tool_calls = [...c.toolCalls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => ({
        id: call.id,
        type: call.type ?? "function",
        function: { name: call.name, arguments: call.args.join("") },
      }));
  }
  return message;
}

function logprobsOf(c: ChoiceAcc): unknown {
  return c.logprobs.length > 0 ? { content: c.logprobs, refusal: null } : null;
}

/** One-shot form: the `chat.completion` JSON of a whole recorded stream, or undefined (see `ChatStreamCollector`). */
export function collectStreamForCache(chunks: Iterable<Buffer | string>, maxBytes: number): string | undefined {
  const collector = new ChatStreamCollector(maxBytes);
  for (const chunk of chunks) collector.push(chunk);
  return collector.result();
}
