import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { createGatewayCore } from "../shared/gateway/core";
import { createLoggingObserver } from "../shared/gateway/log-observer";
import { createHostGuard } from "../shared/http/host-guard";
import type { CoreRequest } from "../shared/http/types";
import { createMemorySink } from "../shared/logging/log-sink";
import { defaultProviderRegistry } from "../shared/providers/registry";

const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const EVENTS = [
  ...Array.from({ length: 20 }, (_, i) => Buffer.from(chunk(`tok${i} `))),
  Buffer.from("data: [DONE]\n\n"),
];
const JSONBODY = Buffer.from(
  JSON.stringify({
    id: "c",
    object: "chat.completion",
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content: "hello" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  }),
);
const hostGuard = createHostGuard("loopback");
const sink = createMemorySink();
function coreOf(logged: boolean) {
  return createGatewayCore({
    providers: defaultProviderRegistry(),
    hostGuard,
    streamIdleTimeoutMs: 10_000,
    logBodies: true,
    observer: logged ? createLoggingObserver({ sink }) : undefined,
    transport: {
      send: async (req) => {
        const stream = String(req.body).includes('"stream":true');
        return {
          status: 200,
          headers: { "content-type": stream ? "text/event-stream" : "application/json" },
          body: Readable.from(stream ? EVENTS : [JSONBODY]),
        };
      },
      close: async () => undefined,
    },
  });
}
const cores = { plain: coreOf(false), logged: coreOf(true) };
function request(stream: boolean): CoreRequest {
  return {
    method: "POST",
    path: "/v1/chat/completions",
    query: new URLSearchParams(),
    headers: {
      "content-type": "application/json",
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": "http://127.0.0.1:1/v1",
      authorization: "Bearer sk",
    },
    body: Buffer.from(
      JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hello there" }],
        ...(stream ? { stream: true } : {}),
      }),
    ),
    signal: new AbortController().signal,
  };
}
/** CPU time (user + system) per request in microseconds: steadier than wall time on a shared machine. */
async function run(core: ReturnType<typeof coreOf>, stream: boolean, n: number): Promise<number> {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const res = await core(request(stream));
    if (res.body instanceof Readable)
      for await (const _ of res.body) {
        /* drain */
      }
    // The log step builds the row on the next turn of the event loop (setImmediate): let it run inside the timed
    // loop (a loop of promises alone never reaches it, and the summaries would pile up), then drop the rows.
    await new Promise((resolve) => setImmediate(resolve));
    sink.rows.length = 0;
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / n;
}

/**
 * In-process CPU per request of the gateway core alone (no network): JSON vs a 21-event stream, without and with
 * the request log (bodies on: the record built, capped and redacted; rows dropped from memory).
 */
export async function runCoreCpuBench(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const [name, core] of Object.entries(cores)) {
    await run(core, true, 2000);
    await run(core, false, 2000);
    figures[`stream request, ${name}, CPU us`] = await run(core, true, 20_000);
    figures[`json request, ${name}, CPU us`] = await run(core, false, 20_000);
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await runCoreCpuBench());
}
