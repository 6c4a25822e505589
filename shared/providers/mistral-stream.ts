import { openAIUsage } from "./openai-chunks";
import { SseEventTranslator } from "./sse-event-translator";
import type { SseEvent } from "./sse-parser";
import { readOpenAIUsage } from "./sse-usage-scanner";
import type { StreamTranslator, Usage } from "./types";

/**
 * Mistral streams OpenAI chunks but puts `usage` on the last chunk (next to the finish reason) whatever the
 * client asked. This restores OpenAI's semantics: without `include_usage` the usage is removed; with it, it moves
 * to a final chunk with `choices: []`. Only chunks that mention usage are parsed; the rest pass through.
 */
export class MistralStreamTranslator extends SseEventTranslator implements StreamTranslator {
  usage: Usage | undefined;
  model: string | undefined;

  constructor(private readonly includeUsage: boolean) {
    super();
  }

  /** Every event passes (the `[DONE]` event itself is what finishes the stream). */
  protected override stopped(): boolean {
    return false;
  }

  protected onEvent(event: SseEvent): string {
    return this.onData(event.data);
  }

  private onData(data: string): string {
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
