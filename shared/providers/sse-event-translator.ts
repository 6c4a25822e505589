import type { ErrorBody } from "../core/errors";
import { type SseEvent, SseParser } from "./sse-parser";

/**
 * The shared frame of the translators for SSE-speaking providers (Anthropic, Cohere, Gemini, Mistral): bytes in
 * any split -> whole SSE events -> `onEvent` per event -> OpenAI SSE text out. Translation stops once the provider
 * signalled its end (or an error, per `stopped`).
 */
export abstract class SseEventTranslator {
  finished = false;
  error: ErrorBody | undefined;
  private readonly parser = new SseParser();

  push(chunk: Buffer): string {
    return this.translate(this.parser.push(chunk));
  }

  end(): string {
    return this.translate(this.parser.end());
  }

  /** True once no further event may be translated (default: the provider finished). */
  protected stopped(): boolean {
    return this.finished;
  }

  protected abstract onEvent(event: SseEvent): string;

  private translate(events: SseEvent[]): string {
    let out = "";
    for (const event of events) {
      if (this.stopped()) break;
      out += this.onEvent(event);
    }
    return out;
  }
}
