import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { pathToFileURL } from "node:url";
import { Pool } from "undici";
import { here, startChild } from "./proxy-overhead";

/**
 * Issue 16 item 4: resident memory of the gateway's local runtime idle and under many slow streams at once
 * (`streams` concurrent requests, 20 events each spread over `streamMs`), next to the bare proxy's under the same
 * load. RSS is sampled from the server process itself (IPC) every 100 ms; the peak is reported. Loopback only,
 * bounded by the stream count and length.
 */
interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
}

function memoryOf(child: ChildProcess): Promise<MemorySample> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no memory answer")), 5_000);
    child.once("message", (msg) => {
      clearTimeout(timer);
      const { memory } = msg as { memory: NodeJS.MemoryUsage };
      resolve({ rss: memory.rss, heapUsed: memory.heapUsed });
    });
    child.send("memory");
  });
}

const MB = 1024 * 1024;

async function streamsAtOnce(
  target: { origin: string; headers: Record<string, string> },
  streams: number,
): Promise<number> {
  const pool = new Pool(target.origin, { connections: streams, pipelining: 1 });
  const body = JSON.stringify({
    model: "bench-slow",
    messages: [{ role: "user", content: "Stream slowly for the memory benchmark." }],
    stream: true,
  });
  let failed = 0;
  await Promise.all(
    Array.from({ length: streams }, async () => {
      const res = await pool.request({
        method: "POST",
        path: "/v1/chat/completions",
        headers: { "content-type": "application/json", authorization: "Bearer sk-bench", ...target.headers },
        body,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      let text = "";
      for await (const chunk of res.body) text += chunk;
      if (res.statusCode !== 200 || !text.includes("[DONE]")) failed += 1;
    }),
  );
  await pool.close();
  return failed;
}

async function measure(
  child: ChildProcess,
  target: { origin: string; headers: Record<string, string> },
  streams: number,
): Promise<{ idle: MemorySample; peak: MemorySample }> {
  // a few plain requests first, so the idle figure is a warmed-up process (modules loaded, pools open)
  await streamsAtOnce(target, 4);
  (global as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 500));
  const idle = await memoryOf(child);
  let peak = idle;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const m = await memoryOf(child);
      if (m.rss > peak.rss) peak = m;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const failed = await streamsAtOnce(target, streams);
  sampling = false;
  await sampler;
  if (failed > 0) throw new Error(`${failed} of ${streams} streams failed`);
  return { idle, peak };
}

export async function runMemoryBench(
  opts: { streams?: number; streamMs?: number } = {},
): Promise<Record<string, number>> {
  const streams = opts.streams ?? 256;
  const streamMs = opts.streamMs ?? 8000;
  const upstream = await startChild(here("./servers/upstream.ts"), { SLOW_STREAM_MS: String(streamMs) });
  const proxy = await startChild(here("./servers/bare-proxy.ts"), { UPSTREAM_URL: upstream.url });
  const gateway = await startChild(here("./servers/gateway.ts"));
  try {
    const bare = await measure(proxy.child, { origin: proxy.url, headers: {} }, streams);
    const gw = await measure(
      gateway.child,
      {
        origin: gateway.url,
        headers: {
          "x-portkey-api-key": gateway.apiKey ?? "",
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": `${upstream.url}/v1`,
        },
      },
      streams,
    );
    return {
      [`gateway idle RSS, MB`]: gw.idle.rss / MB,
      [`gateway RSS at ${streams} streams, MB`]: gw.peak.rss / MB,
      "gateway loaded/idle RSS (goal <= 1.5)": gw.peak.rss / gw.idle.rss,
      "gateway idle heap used, MB": gw.idle.heapUsed / MB,
      [`gateway heap used at ${streams} streams, MB`]: gw.peak.heapUsed / MB,
      "bare proxy idle RSS, MB": bare.idle.rss / MB,
      [`bare proxy RSS at ${streams} streams, MB`]: bare.peak.rss / MB,
    };
  } finally {
    for (const c of [upstream, proxy, gateway]) {
      c.child.kill();
      if (c.child.exitCode === null) await once(c.child, "exit");
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await runMemoryBench());
}
