import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The benchmark's upstream: answers like OpenAI as fast as it can (no recording, no parsing beyond what it must),
 * so differences between scenarios are the proxies' own cost. Prints `{"url": ...}` on its first line.
 */
const completion = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [
    { index: 0, message: { role: "assistant", content: "Hello from the bench upstream." }, finish_reason: "stop" },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 },
});
const event = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices, ...extra })}\n\n`;
const chunk = (content: string) => event([{ index: 0, delta: { content }, finish_reason: null }]);
/**
 * 20 text events between the two every OpenAI stream has: the first names the role, the last carries the
 * `finish_reason` (then the usage-only event when the request asked for `stream_options.include_usage`).
 */
const STREAM_EVENTS = [
  event([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]),
  ...Array.from({ length: 20 }, (_, i) => chunk(`tok${i} `)),
  event([{ index: 0, delta: {}, finish_reason: "stop" }]),
];
const USAGE_EVENT = event([], { usage: { prompt_tokens: 5, completion_tokens: 20, total_tokens: 25 } });
const INCLUDE_USAGE = Buffer.from('"include_usage":true');
/** A body naming this model is streamed slowly: its 20 events spread over `SLOW_STREAM_MS` (the memory bench). */
const SLOW_MODEL = Buffer.from('"model":"bench-slow"');
const slowSpacingMs = Number(process.env.SLOW_STREAM_MS ?? 8000) / STREAM_EVENTS.length;

function writeSlowly(res: import("node:http").ServerResponse, withUsage: boolean, next = 0): void {
  if (res.destroyed) return;
  if (next === STREAM_EVENTS.length) {
    res.end(withUsage ? `${USAGE_EVENT}data: [DONE]\n\n` : "data: [DONE]\n\n");
    return;
  }
  res.write(STREAM_EVENTS[next]);
  setTimeout(() => writeSlowly(res, withUsage, next + 1), slowSpacingMs);
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => {
    const body = Buffer.concat(parts);
    const stream = body.includes('"stream":true');
    if (!stream) {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(completion) });
      res.end(completion);
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const withUsage = body.includes(INCLUDE_USAGE);
    if (body.includes(SLOW_MODEL)) {
      writeSlowly(res, withUsage);
      return;
    }
    for (const e of STREAM_EVENTS) res.write(e);
    if (withUsage) res.write(USAGE_EVENT);
    res.end("data: [DONE]\n\n");
  });
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on("message", (msg) => {
  if (msg === "memory") process.send?.({ memory: process.memoryUsage(), cpu: process.cpuUsage() });
});
process.on("SIGTERM", () => process.exit(0));
