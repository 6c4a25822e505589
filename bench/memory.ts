import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { pathToFileURL } from "node:url";
import { Pool } from "undici";
import { runLoad } from "./load";
import { startChild } from "./proxy-overhead";
import { benchServerFile } from "./servers/bundle";

/**
 * Issue 16 item 4: resident memory of the gateway's local runtime idle and under two loads, next to the bare
 * proxy's under the same loads: `streams` slow streams at once (22 events each spread over `streamMs`: what each
 * open stream holds), then `streams` connections sending fast 20-event streams back to back (`churnRequests` in
 * all: what the allocation rate does to the heap). RSS is sampled from the server process itself (IPC) every
 * 100 ms; the peak is reported. Loopback only, bounded by stream count, length and request count.
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

type Target = { origin: string; headers: Record<string, string> };

/** Closed loop: `connections` callers, each sending its next fast stream when the last one ended. */
async function churn(target: Target, connections: number, requests: number): Promise<number> {
  const res = await runLoad({
    origin: target.origin,
    path: "/v1/chat/completions",
    headers: { "content-type": "application/json", authorization: "Bearer sk-bench", ...target.headers },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello." }], stream: true }),
    concurrency: connections,
    requests,
    warmup: 0,
  });
  return res.errors;
}

async function measure(
  child: ChildProcess,
  target: Target,
  load: () => Promise<number>,
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
  const failed = await load();
  sampling = false;
  await sampler;
  if (failed > 0) throw new Error(`${failed} requests of the memory load failed`);
  return { idle, peak };
}

export async function runMemoryBench(
  opts: { streams?: number; streamMs?: number; churnRequests?: number } = {},
): Promise<Record<string, number>> {
  const streams = opts.streams ?? 256;
  const streamMs = opts.streamMs ?? 8000;
  const churnRequests = opts.churnRequests ?? 8000;
  const upstream = await startChild(await benchServerFile("upstream"), { SLOW_STREAM_MS: String(streamMs) });
  const proxy = await startChild(await benchServerFile("bare-proxy"), { UPSTREAM_URL: upstream.url });
  const gateway = await startChild(
    await benchServerFile("gateway"),
    {},
    process.env.BENCH_GATEWAY_NODE_ARGS?.split(" ").filter(Boolean) ?? [],
  );
  const bareTarget: Target = { origin: proxy.url, headers: {} };
  const gwTarget: Target = {
    origin: gateway.url,
    headers: {
      "x-portkey-api-key": gateway.apiKey ?? "",
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": `${upstream.url}/v1`,
    },
  };
  try {
    const bare = await measure(proxy.child, bareTarget, () => streamsAtOnce(bareTarget, streams));
    const gw = await measure(gateway.child, gwTarget, () => streamsAtOnce(gwTarget, streams));
    const bareChurn = await measure(proxy.child, bareTarget, () => churn(bareTarget, streams, churnRequests));
    const gwChurn = await measure(gateway.child, gwTarget, () => churn(gwTarget, streams, churnRequests));
    return {
      "gateway idle RSS, MB": gw.idle.rss / MB,
      [`gateway RSS, ${streams} slow streams open, MB`]: gw.peak.rss / MB,
      "gateway slow-streams/idle RSS (goal <= 1.5)": gw.peak.rss / gw.idle.rss,
      [`gateway RSS, ${streams} connections of fast streams, MB`]: gwChurn.peak.rss / MB,
      "gateway fast-streams/idle RSS (goal <= 1.5)": gwChurn.peak.rss / gw.idle.rss,
      "gateway heap used idle, MB": gw.idle.heapUsed / MB,
      "gateway heap used peak (slow / fast), MB": Math.max(gw.peak.heapUsed, gwChurn.peak.heapUsed) / MB,
      "bare proxy idle RSS, MB": bare.idle.rss / MB,
      [`bare proxy RSS, ${streams} slow streams open, MB`]: bare.peak.rss / MB,
      [`bare proxy RSS, ${streams} connections of fast streams, MB`]: bareChurn.peak.rss / MB,
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
