import { openAIUsage } from "./openai-chunks";
import { type SseEvent, SseParser } from "./sse-parser";
import { readOpenAIUsage } from "./sse-usage-scanner";
import type { StreamTranslator, Usage } from "./types";

/**
 * Mistral streams OpenAI chunks but puts `usage` on the last chunk (next to the finish reason) whatever the
 * client asked. This restores OpenAI's semantics: without `include_usage` the usage is removed; with it, it moves
 * to a final chunk with `choices: []`. Only chunks that mention usage are parsed; the rest pass through.
 */
export class MistralStreamTranslator implements StreamTranslator {
  usage: Usage | undefined;
  model: string | undefined;
  finished = false;
  private readonly parser = new SseParser();

  constructor(private readonly includeUsage: boolean) {}

  push(chunk: Buffer): string {
    return this.translate(this.parser.push(chunk));
  }

  end(): string {
    return this.translate(this.parser.end());
  }

  private translate(events: SseEvent[]): string {
    let out = "";
    for (const event of events) out += this.onEvent(event.data);
    return out;
  }

  private onEvent(data: string): string {
    if (data === "[DONE]") {
      this.finished = true;
      return "data: [DONE]\n\n";
    }
    if (!data.includes('"usage"')) {
      if (this.model === undefined) this.model = /"model"\s*:\s*"([^"]*)"/.exec(data)?.[1];
      return `data: ${data}\n\n`;
    }
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return `data: ${data}\n\n`;
    }
    const usage = readOpenAIUsage(chunk.usage);
    if (usage) this.usage = usage;
    const { usage: _dropped, ...rest } = chunk;
    let out = "";
    if (!Array.isArray(rest.choices) || rest.choices.length > 0) out += `data: ${JSON.stringify(rest)}\n\n`;
    if (this.includeUsage && usage) {
      out += `data: ${JSON.stringify({ ...rest, choices: [], usage: openAIUsage(usage) })}\n\n`;
    }
    return out;
  }
}
