import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { createGatewayCore } from "../shared/gateway/core";
import { createGuardrails } from "../shared/guardrails/guardrails";
import { createHostGuard } from "../shared/http/host-guard";
import type { CoreHandler } from "../shared/http/types";
import { defaultProviderRegistry } from "../shared/providers/registry";
import { chatRequest, percentile, stubTransport } from "./in-process";

/**
 * What guardrails cost on the hot path: the same single-target config with and without a before-request hook of
 * three checks (`default.regexMatch`, `portkey.pii` with redact, `default.regexReplace`) on a prompt of about 400
 * characters with one email in it, through the in-process core and an in-memory upstream (no I/O: the difference
 * is the hooks' work). Requests alternate between the two shapes. Budget: <= 0.2 ms added at p50.
 */
const PROMPT =
  "Hello, I am writing about my last order. It arrived late and the box was damaged; please reach me at " +
  "jane.doe@example.com so we can arrange a replacement. The invoice number is INV-2024-0042 and I paid with " +
  "the usual method. I would also like to know whether express shipping is available for the next order, and " +
  "what the return policy says about opened items. Thanks in advance for your help with this.";
const BODY = Buffer.from(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: PROMPT }] }));
async function measure(core: CoreHandler, plain: Record<string, string>, guarded: Record<string, string>, n: number) {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n * 2; i++) {
    const bucket = i % 2 === 0 ? a : b;
    const started = performance.now();
    const res = await core(chatRequest(BODY, i % 2 === 0 ? plain : guarded));
    if (res.body instanceof Readable) for await (const _ of res.body);
    const elapsed = performance.now() - started;
    if (res.status !== 200) throw new Error(`bench request failed with ${res.status}`);
    if (i >= 400) bucket.push(elapsed);
  }
  a.sort((x, y) => x - y);
  b.sort((x, y) => x - y);
  return {
    plainP50Ms: percentile(a, 0.5),
    guardedP50Ms: percentile(b, 0.5),
    addedP50Ms: percentile(b, 0.5) - percentile(a, 0.5),
    addedP99Ms: percentile(b, 0.99) - percentile(a, 0.99),
  };
}

export async function runGuardrailsBench(): Promise<Record<string, number>> {
  const hostGuard = createHostGuard("loopback");
  const target = { provider: "openai", api_key: "sk-bench" };
  const hook = {
    id: "bench",
    type: "guardrail",
    checks: [
      { id: "default.regexMatch", parameters: { rule: "(?i)password|secret", not: true } },
      { id: "portkey.pii", parameters: { redact: true } },
      { id: "default.regexReplace", parameters: { rule: "INV-\\d{4}-\\d{4}", redactText: "[INVOICE]" } },
    ],
  };
  const core = createGatewayCore({
    providers: defaultProviderRegistry(),
    transport: stubTransport(),
    hostGuard,
    guardrails: createGuardrails(),
    streamIdleTimeoutMs: 10_000,
  });
  const plain = { "x-portkey-config": JSON.stringify(target) };
  const guarded = { "x-portkey-config": JSON.stringify({ ...target, before_request_hooks: [hook] }) };
  const figures = await measure(core, plain, guarded, 10_000);
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await runGuardrailsBench();
  console.table(results);
}
