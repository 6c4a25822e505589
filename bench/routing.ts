import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { createGatewayCore } from "../shared/gateway/core";
import { createHostGuard } from "../shared/http/host-guard";
import type { CoreHandler } from "../shared/http/types";
import { createUndiciTransport } from "../shared/http/upstream";
import { defaultProviderRegistry } from "../shared/providers/registry";
import { startOpenAIFake } from "../test/fakes/openai-fake";
import { chatRequest, percentile, stubTransport } from "./in-process";

/**
 * What a routing config costs on the happy path: a 2-target fallback config vs. a single header-named target,
 * through the in-process gateway core. Two transports: a loopback fake (real HTTP, keep-alive pool) and an
 * in-memory stub (no I/O, so the difference is the routing work alone). Requests alternate between the two
 * shapes so drift hits both equally. Budget: <= 0.1 ms added at p50.
 */
const BODY = Buffer.from(
  JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello bench" }] }),
);
async function measure(core: CoreHandler, a: Record<string, string>, b: Record<string, string>, iterations: number) {
  const single: number[] = [];
  const fallback: number[] = [];
  const shapes = [a, b];
  for (let i = 0; i < iterations * 2; i++) {
    const which = i % 2;
    const bucket = which === 0 ? single : fallback;
    const started = performance.now();
    const res = await core(chatRequest(BODY, shapes[which] as Record<string, string>));
    if (res.body instanceof Readable) for await (const _ of res.body);
    const elapsed = performance.now() - started;
    if (res.status !== 200) throw new Error(`bench request failed with ${res.status}`);
    if (i >= 400) bucket.push(elapsed);
  }
  single.sort((x, y) => x - y);
  fallback.sort((x, y) => x - y);
  return {
    singleP50: percentile(single, 0.5),
    singleP99: percentile(single, 0.99),
    fallbackP50: percentile(fallback, 0.5),
    fallbackP99: percentile(fallback, 0.99),
    addedP50: percentile(fallback, 0.5) - percentile(single, 0.5),
    addedP99: percentile(fallback, 0.99) - percentile(single, 0.99),
  };
}

function prefixed(prefix: string, values: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) out[`${prefix}.${k}Ms`] = Math.round(v * 1000) / 1000;
  return out;
}

export async function runRoutingBench(): Promise<Record<string, number>> {
  const fake = await startOpenAIFake({ apiKey: "sk-bench" });
  const hostGuard = createHostGuard("loopback");
  const transport = createUndiciTransport({ guard: hostGuard });
  const providers = defaultProviderRegistry();
  const target = { provider: "openai", api_key: "sk-bench", custom_host: fake.baseUrl };
  const single = {
    "x-portkey-provider": "openai",
    "x-portkey-custom-host": fake.baseUrl,
    authorization: "Bearer sk-bench",
  };
  const fallback = {
    "x-portkey-config": JSON.stringify({ strategy: { mode: "fallback" }, targets: [target, { ...target }] }),
  };
  try {
    const loopback = createGatewayCore({ providers, transport, hostGuard, streamIdleTimeoutMs: 10_000 });
    const stub = createGatewayCore({ providers, transport: stubTransport(), hostGuard, streamIdleTimeoutMs: 10_000 });
    const overLoopback = await measure(loopback, single, fallback, 3000);
    const inMemory = await measure(stub, single, fallback, 20_000);
    return { ...prefixed("loopback", overLoopback), ...prefixed("inMemory", inMemory) };
  } finally {
    await transport.close();
    await fake.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await runRoutingBench();
  console.table(results);
  const added = results["inMemory.addedP50Ms"] ?? Number.NaN;
  console.log(`2-target fallback adds ${added.toFixed(3)} ms at p50 over a single target (budget 0.100 ms).`);
}
