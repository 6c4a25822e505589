import { Readable } from "node:stream";
import type { UpstreamRequest } from "../../shared/http/types";
import type { UpstreamTransport } from "../../shared/http/upstream";

/** An upstream that records what it is sent and answers every request with a chat completion naming `model`. */
export function recordingTransport(model = "gpt-4o-mini"): UpstreamTransport & { sent: UpstreamRequest[] } {
  const sent: UpstreamRequest[] = [];
  return {
    sent,
    async send(req) {
      sent.push(req);
      const answer = { id: "c", object: "chat.completion", model, choices: [] };
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: Readable.from([Buffer.from(JSON.stringify(answer))]),
      };
    },
    close: async () => undefined,
  };
}
