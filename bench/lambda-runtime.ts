import { pathToFileURL } from "node:url";
import { startOpenAIFake } from "../test/fakes/openai-fake";
import { restApiEvent } from "../test/support/api-gateway-event";
import { gatewayFunctionEnv, provisionGatewayOnMoto } from "../test/support/gateway-on-moto";
import { bundledTaskRoot, sourceTaskRoot, startRic, type TaskRoot } from "../test/support/lambda-ric";
import { type Invocation, parseHttpIntegrationResponse, startRuntimeApi } from "../test/support/lambda-runtime-api";
import { startMotoServer } from "../test/support/moto-server";

/**
 * Issue 16's cold-start figures: the gateway bundle (built as the stack builds it) under AWS's Lambda runtime
 * interface client on Node 22, against the suite's Runtime API emulator, DynamoDB/KMS/Firehose on a private
 * moto_server, a fake OpenAI on loopback. The floor, measured in the same run: the same runtime running a handler
 * that only imports @aws-sdk/client-dynamodb, constructs a client and streams a constant answer.
 *   init: process start -> first `/next` (median of the cold starts)
 *   first: the first invocation after init, event handed out -> response body complete (key lookups, pepper)
 *   warm: later non-streamed chats, event -> response complete (p50, p99), and -> the next `/next` ("busy",
 *   which adds the post-response work: budget settlement, the Firehose put of the log row)
 * Milliseconds. Loopback only; bounded by counts.
 */
const FLOOR_HANDLER = `
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
export const client = new DynamoDBClient({});
const BODY = JSON.stringify({ id: "chatcmpl-floor", object: "chat.completion", created: 1, model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "You said: ping" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 } });
export const handler = awslambda.streamifyResponse(async (_event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200, headers: { "content-type": "application/json" } });
  stream.write(BODY);
  stream.end();
});
`;

interface ColdStartRun {
  readonly initMs: number;
  readonly firstMs: number;
  readonly warmMs: number[];
  readonly busyMs: number[];
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export async function runLambdaRuntimeBench(
  opts: { coldStarts?: number; warmInvocations?: number } = {},
): Promise<Record<string, number>> {
  const coldStarts = opts.coldStarts ?? 5;
  const warmInvocations = opts.warmInvocations ?? 200;
  const moto = await startMotoServer();
  const fake = await startOpenAIFake({ apiKey: "sk-bench" });
  const roots: TaskRoot[] = [];
  try {
    const deployment = await provisionGatewayOnMoto({
      endpoint: moto.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const gatewayRoot = await bundledTaskRoot("gateway");
    const floorRoot = await sourceTaskRoot(FLOOR_HANDLER);
    roots.push(gatewayRoot, floorRoot);
    const env = gatewayFunctionEnv(deployment);
    const event = restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: {
        "x-portkey-api-key": deployment.apiKey,
        Authorization: "Bearer sk-bench",
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": fake.baseUrl,
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ping" }] }),
    });

    async function coldStart(root: TaskRoot, warm: number): Promise<ColdStartRun> {
      const api = await startRuntimeApi();
      const ric = await startRic({ taskRoot: root, api, env });
      try {
        const initMs = (await api.initialized) - ric.spawnedAt;
        const first = await api.invoke(event);
        expectOk(first);
        const warmMs: number[] = [];
        const busyMs: number[] = [];
        for (let i = 0; i < warm; i++) {
          const invocation = await api.invoke(event);
          expectOk(invocation);
          warmMs.push(invocation.completedAt - invocation.startedAt);
          busyMs.push((await api.nextRequested(i + 3)) - invocation.startedAt);
        }
        return { initMs, firstMs: first.completedAt - first.startedAt, warmMs, busyMs };
      } finally {
        await ric.stop();
        await api.close();
      }
    }

    // Interleaved, so drift on a shared machine hits both alike; the last cold start of each also runs warm.
    const floorRuns: ColdStartRun[] = [];
    const gatewayRuns: ColdStartRun[] = [];
    for (let i = 0; i < coldStarts; i++) {
      const warm = i === coldStarts - 1 ? warmInvocations : 0;
      floorRuns.push(await coldStart(floorRoot, warm));
      gatewayRuns.push(await coldStart(gatewayRoot, warm));
    }
    const median = (runs: ColdStartRun[], pick: (r: ColdStartRun) => number) => quantile(runs.map(pick), 0.5);
    const floorWarm = floorRuns.at(-1) as ColdStartRun;
    const gatewayWarm = gatewayRuns.at(-1) as ColdStartRun;
    const figures = {
      "floor init (ms)": median(floorRuns, (r) => r.initMs),
      "gateway init (ms)": median(gatewayRuns, (r) => r.initMs),
      "floor first invocation (ms)": median(floorRuns, (r) => r.firstMs),
      "gateway first invocation (ms)": median(gatewayRuns, (r) => r.firstMs),
      "floor warm response p50 (ms)": quantile(floorWarm.warmMs, 0.5),
      "gateway warm response p50 (ms)": quantile(gatewayWarm.warmMs, 0.5),
      "floor warm response p99 (ms)": quantile(floorWarm.warmMs, 0.99),
      "gateway warm response p99 (ms)": quantile(gatewayWarm.warmMs, 0.99),
      "floor warm busy p50 (ms)": quantile(floorWarm.busyMs, 0.5),
      "gateway warm busy p50 (ms)": quantile(gatewayWarm.busyMs, 0.5),
    };
    return {
      ...figures,
      "init overhead over floor (ms)": figures["gateway init (ms)"] - figures["floor init (ms)"],
      "warm response overhead over floor p50 (ms)":
        figures["gateway warm response p50 (ms)"] - figures["floor warm response p50 (ms)"],
    };
  } finally {
    await Promise.all(roots.map((r) => r.remove()));
    await fake.close();
    await moto.stop();
  }
}

function expectOk(invocation: Invocation): void {
  const status = parseHttpIntegrationResponse(invocation).prelude.statusCode;
  if (invocation.outcome !== "response" || status !== 200) {
    throw new Error(`invocation failed: ${invocation.outcome} ${status} ${invocation.body.toString("utf8")}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await runLambdaRuntimeBench());
}
