import { sleep, startFakeServer } from "./fake-server";

/**
 * An OpenAI chat completions fake that reports the most usage an honest provider could: prompt tokens by OpenAI's
 * documented count (3 per message, 1 per name, 3 to prime the reply) with a tokenizer that spends one token per
 * UTF-8 byte of every role, name and text, and every completion token the request allowed (the largest of
 * `max_completion_tokens` and `max_tokens`, times `n`). It answers after `delayMs`, so that concurrent requests are
 * all in flight together.
 */
export interface WorstCaseUsageFake {
  readonly baseUrl: string;
  /** Requests answered (each with the usage `usageFor` computes). */
  readonly answered: () => number;
  close(): Promise<void>;
}

interface ChatBody {
  readonly model?: string;
  readonly messages?: readonly { role: string; content: unknown; name?: string }[];
  readonly max_tokens?: number;
  readonly max_completion_tokens?: number;
  readonly n?: number;
}

/** The usage the fake reports for a chat body. */
export function usageFor(body: ChatBody): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  let prompt = 3;
  for (const message of body.messages ?? []) {
    prompt += 3 + Buffer.byteLength(message.role) + textBytes(message.content);
    if (message.name !== undefined) prompt += 1 + Buffer.byteLength(message.name);
  }
  const completion = Math.max(body.max_completion_tokens ?? 0, body.max_tokens ?? 0) * (body.n ?? 1);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function textBytes(content: unknown): number {
  if (typeof content === "string") return Buffer.byteLength(content);
  if (!Array.isArray(content)) return 0;
  let bytes = 0;
  for (const part of content as { text?: string }[]) bytes += part.text ? Buffer.byteLength(part.text) : 0;
  return bytes;
}

export async function startWorstCaseUsageFake(delayMs = 100): Promise<WorstCaseUsageFake> {
  let answered = 0;
  const server = await startFakeServer(async ({ res, recorded }) => {
    const body = recorded.json<ChatBody>();
    await sleep(delayMs);
    answered++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: `chatcmpl-worst${answered}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? "gpt-4o-mini",
        choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "length" }],
        usage: usageFor(body),
      }),
    );
  });
  return { baseUrl: `${server.origin}/v1`, answered: () => answered, close: () => server.close() };
}
