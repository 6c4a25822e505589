import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * The attacker of the robustness and hygiene suites (ReDoS, secret leaks, hostile input): a gateway key with only
 * the `completions` scope in the test workspace, against the real local runtime and an OpenAI fake on loopback.
 */
export interface AttackBench {
  readonly gateway: TestGateway;
  readonly fake: OpenAIFake;
  /** A completions-scoped gateway key (the attacker's only credential). */
  readonly attackerKey: string;
  /** The provider key the fake accepts. */
  readonly providerKey: string;
  /** POSTs JSON to the gateway with the attacker's key; returns status, parsed body (or text) and elapsed ms. */
  post(path: string, body: unknown, headers?: Record<string, string>, timeoutMs?: number): Promise<AttackResponse>;
  stop(): Promise<void>;
}

export interface AttackResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
  readonly ms: number;
}

export const PROVIDER_KEY = "sk-hygiene-provider-key-0123456789abcdef";

export async function startAttackBench(): Promise<AttackBench> {
  const fake = await startOpenAIFake({ apiKey: PROVIDER_KEY, reply: () => "ok" });
  const gateway = await startTestGateway();
  const key = await gateway.admin("POST", "/v1/api-keys", {
    name: "attacker",
    workspace_id: gateway.workspaceId,
    scopes: ["completions"],
  });
  const attackerKey = String(key.json.key);
  async function post(
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
    timeoutMs = 20_000,
  ): Promise<AttackResponse> {
    const started = performance.now();
    const res = await fetch(`${gateway.url}${path}`, {
      method: "POST",
      headers: { "x-portkey-api-key": attackerKey, "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON (e.g. an SSE stream): `text` has it
    }
    return { status: res.status, body: parsed, text, ms: performance.now() - started };
  }
  return {
    gateway,
    fake,
    attackerKey,
    providerKey: PROVIDER_KEY,
    post,
    stop: async () => {
      await gateway.stop();
      await fake.close();
    },
  };
}

/** An inline config that sends to the fake with the provider key. */
export function fakeTarget(bench: AttackBench): Record<string, unknown> {
  return { provider: "openai", api_key: bench.providerKey, custom_host: bench.fake.baseUrl };
}

export const CHAT = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
