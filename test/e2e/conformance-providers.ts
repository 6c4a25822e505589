import { generateKeyPairSync } from "node:crypto";
import { defaultProviderRegistry } from "../../shared/providers/registry";
import { anthropicErrorBody, startAnthropicFake } from "../fakes/anthropic-fake";
import { azureErrorBody, startAzureOpenAIFake } from "../fakes/azure-openai-fake";
import { bedrockErrorBody, bedrockErrorType, startBedrockFake } from "../fakes/bedrock-fake";
import { cohereErrorBody, startCohereFake } from "../fakes/cohere-fake";
import type { FakeServer, Fault } from "../fakes/fake-server";
import { googleErrorBody, startGoogleFake } from "../fakes/google-fake";
import { mistralErrorBody, startMistralFake } from "../fakes/mistral-fake";
import { openAIErrorBody, startOpenAIChatFake, startOpenAIWireFake } from "../fakes/openai-wire-fake";
import { startVertexFake } from "../fakes/vertex-fake";

/**
 * The conformance matrix: every translated provider, how to start its fake, and what it supports. The suite in
 * conformance-chat.test.ts runs every scenario for every provider; a capability a provider lacks is skipped with
 * the reason given here (the table drives it, and docs/providers.md shows the same table).
 */
export type Capability =
  | "system"
  | "multiTurn"
  | "tools"
  | "imageData"
  | "imageUrl"
  | "stream"
  | "streamTools"
  | "streamUsage"
  | "maxTokens";

export interface RunningFake {
  readonly fake: FakeServer;
  /** Value for x-portkey-custom-host. */
  readonly customHost: string;
  /** Extra request headers (provider options). */
  readonly headers: Readonly<Record<string, string>>;
  /** The provider credential the fake accepts (sent as Authorization: Bearer). */
  readonly apiKey: string;
  /** The fault that makes the fake answer `status` with its native error body. */
  errorFault(status: number): Fault;
  /** The image URL the image-by-URL scenario sends (default: https://example.com/cat.png). */
  readonly imageUrl?: string;
  /** Request headers that carry a wrong credential (default: a wrong Bearer key). */
  readonly badCredentialHeaders?: Readonly<Record<string, string>>;
}

export interface ProviderCase {
  readonly id: string;
  /** The suite's name when one provider has several cases (default: the id). */
  readonly label?: string;
  readonly model: string;
  start(): Promise<RunningFake>;
  /** `true`, or the reason the provider cannot do it. */
  readonly supports: Readonly<Record<Capability, true | string>>;
  /** The status the provider documents for a wrong credential. */
  readonly badKeyStatus: number;
}

const ALL: Readonly<Record<Capability, true>> = {
  system: true,
  multiTurn: true,
  tools: true,
  imageData: true,
  imageUrl: true,
  stream: true,
  streamTools: true,
  streamUsage: true,
  maxTokens: true,
};

function jsonFault(status: number, body: string, headers?: Record<string, string>): Fault {
  return { kind: "status", status, body, headers };
}

export const PROVIDER_CASES: readonly ProviderCase[] = [
  {
    id: "openai",
    model: "gpt-4o-mini",
    supports: ALL,
    badKeyStatus: 401,
    async start() {
      const apiKey = "sk-openai-fake";
      const fake = await startOpenAIChatFake(apiKey);
      return {
        fake,
        customHost: `${fake.origin}/v1`,
        headers: {},
        apiKey,
        errorFault: (status) => jsonFault(status, openAIErrorBody(status, `fake openai error ${status}`)),
      };
    },
  },
  {
    id: "azure-openai",
    model: "gpt-4o-mini",
    supports: ALL,
    badKeyStatus: 401,
    async start() {
      const apiKey = "azure-fake-key";
      const deployment = "my-gpt4o";
      const apiVersion = "2024-10-21";
      const fake = await startAzureOpenAIFake({ apiKey, deployment, apiVersion });
      return {
        fake,
        customHost: `${fake.origin}/openai`,
        headers: {
          "x-portkey-azure-resource-name": "fake-resource",
          "x-portkey-azure-deployment-id": deployment,
          "x-portkey-azure-api-version": apiVersion,
        },
        apiKey,
        errorFault: (status) => jsonFault(status, azureErrorBody(status)),
      };
    },
  },
  {
    id: "mistral-ai",
    model: "mistral-small-latest",
    supports: ALL,
    badKeyStatus: 401,
    async start() {
      const apiKey = "mistral-fake-key";
      const fake = await startMistralFake(apiKey);
      return {
        fake,
        customHost: `${fake.origin}/v1`,
        headers: {},
        apiKey,
        errorFault: (status) => jsonFault(status, mistralErrorBody(status)),
      };
    },
  },
  {
    id: "anthropic",
    model: "claude-3-5-haiku-20241022",
    supports: ALL,
    badKeyStatus: 401,
    async start() {
      const apiKey = "sk-ant-fake-key";
      const fake = await startAnthropicFake({ apiKey, chunkDelayMs: 2 });
      return {
        fake,
        customHost: fake.baseUrl,
        headers: {},
        apiKey,
        errorFault: (status) => jsonFault(status, anthropicErrorBody(status)),
      };
    },
  },
  {
    id: "bedrock",
    model: "anthropic.claude-3-haiku-20240307-v1:0",
    supports: ALL,
    badKeyStatus: 403,
    async start() {
      const creds = {
        accessKeyId: "AKIAFAKEFAKEFAKE",
        secretAccessKey: "fake/secret/key",
        sessionToken: "fake-session-token",
      };
      const region = "eu-west-1";
      const fake = await startBedrockFake({ ...creds, region, chunkDelayMs: 2 });
      return {
        fake,
        customHost: fake.origin,
        headers: {
          "x-portkey-aws-region": region,
          "x-portkey-aws-access-key-id": creds.accessKeyId,
          "x-portkey-aws-secret-access-key": creds.secretAccessKey,
          "x-portkey-aws-session-token": creds.sessionToken,
        },
        apiKey: "unused-bearer",
        errorFault: (status) =>
          jsonFault(status, bedrockErrorBody(status), { "x-amzn-errortype": bedrockErrorType(status) }),
        badCredentialHeaders: { "x-portkey-aws-secret-access-key": "wrong/secret" },
        // fetched by the gateway and sent as bytes (Converse takes no URLs)
        imageUrl: `${fake.origin}/images/cat.png`,
      };
    },
  },
  {
    id: "cohere",
    model: "command-a-03-2025",
    supports: ALL,
    badKeyStatus: 401,
    async start() {
      const apiKey = "cohere-fake-key";
      const fake = await startCohereFake({ apiKey, chunkDelayMs: 2 });
      return {
        fake,
        customHost: fake.baseUrl,
        headers: {},
        apiKey,
        errorFault: (status) => jsonFault(status, cohereErrorBody(status)),
      };
    },
  },
  {
    id: "google",
    model: "gemini-2.0-flash",
    supports: ALL,
    badKeyStatus: 400,
    async start() {
      const apiKey = "AIza-fake-key";
      const fake = await startGoogleFake({ apiKey, chunkDelayMs: 2 });
      return {
        fake,
        customHost: fake.baseUrl,
        headers: {},
        apiKey,
        errorFault: (status) => jsonFault(status, googleErrorBody(status)),
      };
    },
  },
  ...(["gemini-2.0-flash", "anthropic.claude-3-5-haiku@20241022"] as const).map(
    (model): ProviderCase => ({
      id: "vertex-ai",
      label: `vertex-ai ${model}`,
      model,
      supports: ALL,
      badKeyStatus: 401,
      async start() {
        const fake = await startVertexFake({ project: "fake-project-1", chunkDelayMs: 2 });
        // A key file of the same account signed with another private key: the token endpoint refuses its JWT
        const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
        const forged = { ...fake.keyFile, private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
        return {
          fake,
          customHost: fake.origin,
          headers: {
            "x-portkey-vertex-region": "us-central1",
            "x-portkey-vertex-service-account-json": JSON.stringify(fake.keyFile),
          },
          apiKey: "unused-bearer",
          errorFault: (status) => jsonFault(status, googleErrorBody(status)),
          badCredentialHeaders: { "x-portkey-vertex-service-account-json": JSON.stringify(forged) },
        };
      },
    }),
  ),
];

/**
 * The OpenAI-compatible long tail: one entry per provider against the OpenAI wire fake, served at the path of the
 * provider's base URL in the registry (or its documented layout), with its credential header and options.
 */
interface OpenAIWireQuirks {
  readonly id: string;
  readonly model: string;
  /** The path the provider's chat completions live under (e.g. `/v1/openai` for DeepInfra); default: the registry's. */
  readonly basePath?: string;
  /** The custom host is this path below the fake's origin (default: `basePath`). */
  readonly hostPath?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Query parameters the provider requires on the URL. */
  readonly query?: Readonly<Record<string, string>>;
}

const REGISTRY = defaultProviderRegistry();

function openAIWireCase(q: OpenAIWireQuirks): ProviderCase {
  const registered = REGISTRY.get(q.id).defaultBaseUrl;
  const basePath = q.basePath ?? (registered ? new URL(registered).pathname.replace(/\/$/, "") : "/v1");
  return {
    id: q.id,
    label: q.basePath && REGISTRY.get(q.id).defaultBaseUrl ? `${q.id} at a custom host ${q.basePath}` : q.id,
    model: q.model,
    supports: ALL,
    badKeyStatus: 401,
    async start() {
      const apiKey = `${q.id}-fake-key`;
      const fake = await startOpenAIWireFake({
        name: q.id,
        apiKey,
        credential: (h) => String(h.authorization ?? "").replace(/^Bearer /, ""),
        checkUrl: (url) => {
          if (url.pathname !== `${basePath}/chat/completions`) return `Invalid URL (POST ${url.pathname})`;
          for (const [k, v] of Object.entries(q.query ?? {}))
            if (url.searchParams.get(k) !== v) return `query parameter ${k} must be ${v}`;
          return undefined;
        },
        errorBody: (status) => openAIErrorBody(status, `fake ${q.id} error ${status}`),
        chunkDelayMs: 2,
      });
      return {
        fake,
        customHost: `${fake.origin}${q.hostPath ?? basePath}`,
        headers: q.headers ?? {},
        apiKey,
        errorFault: (status) => jsonFault(status, openAIErrorBody(status, `fake ${q.id} error ${status}`)),
      };
    },
  };
}

const OPENAI_WIRE_QUIRKS: readonly OpenAIWireQuirks[] = [
  { id: "cerebras", model: "llama-3.3-70b" },
  { id: "deepinfra", model: "meta-llama/Meta-Llama-3.1-8B-Instruct" },
  { id: "sambanova", model: "Meta-Llama-3.3-70B-Instruct" },
  { id: "nebius", model: "meta-llama/Meta-Llama-3.1-70B-Instruct" },
  { id: "hyperbolic", model: "meta-llama/Llama-3.3-70B-Instruct" },
  { id: "lambda", model: "llama3.3-70b-instruct-fp8" },
  // Portkey's layout for a novita-ai custom host: the gateway adds /v1 (docs/providers.md, "Custom hosts")
  { id: "novita-ai", model: "meta-llama/llama-3.1-8b-instruct", basePath: "/v1", hostPath: "" },
  { id: "siliconflow", model: "Qwen/Qwen2.5-7B-Instruct" },
  // Portkey's layout for a huggingface custom host: {host}/models/{model}/v1 (the hf-inference route of the router)
  {
    id: "huggingface",
    model: "meta-llama/Llama-3.1-8B-Instruct",
    basePath: "/hf-inference/models/meta-llama/Llama-3.1-8B-Instruct/v1",
    hostPath: "/hf-inference",
  },
  { id: "lm-studio", model: "qwen2.5-7b-instruct", hostPath: "" },
  { id: "vllm", model: "Qwen/Qwen2.5-7B-Instruct", hostPath: "" },
  { id: "nvidia-nim", model: "meta/llama-3.1-8b-instruct" },
  { id: "dashscope", model: "qwen-plus" },
  { id: "moonshot", model: "moonshot-v1-8k" },
  { id: "zhipu", model: "glm-4-flash" },
  { id: "z-ai", model: "glm-4.5" },
  { id: "github", model: "openai/gpt-4o-mini" },
  { id: "x-ai", model: "grok-3-mini" },
  { id: "openrouter", model: "openai/gpt-4o-mini" },
  { id: "openai", model: "gpt-4o-mini", basePath: "/my-proxy/openai/v1" },
  {
    id: "workers-ai",
    // a Workers AI model id: "@cf/..." reaches the provider unchanged (not read as "@<virtual-key>/<model>")
    model: "@cf/meta/llama-3.1-8b-instruct",
    basePath: "/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/v1",
    hostPath: "/client/v4/accounts/0123456789abcdef0123456789abcdef/ai",
    headers: { "x-portkey-workers-ai-account-id": "0123456789abcdef0123456789abcdef" },
  },
  // ModelsLab's LLM API; a custom host replaces https://modelslab.com/api (images and videos: modelslab.test.ts)
  { id: "modelslab", model: "meta-llama-3-8B-instruct", basePath: "/api/v7/llm", hostPath: "/api" },
  {
    id: "azure-ai",
    model: "Phi-4",
    basePath: "/models",
    headers: { "x-portkey-azure-api-version": "2024-05-01-preview" },
    query: { "api-version": "2024-05-01-preview" },
  },
];

// (their default base URLs are read from the adapters: ModelsLab's module loads on demand, ADR 0044)
await Promise.all(OPENAI_WIRE_QUIRKS.map((q) => REGISTRY.load(q.id)));
export const OPENAI_WIRE_CASES: readonly ProviderCase[] = OPENAI_WIRE_QUIRKS.map(openAIWireCase);

/** " (skipped: reason)" for a capability the provider lacks, "" otherwise: test names carry the reason. */
export function skipNote(c: ProviderCase, capability: Capability): string {
  const s = c.supports[capability];
  return s === true ? "" : ` (skipped: ${s})`;
}

export function can(c: ProviderCase, capability: Capability): boolean {
  return c.supports[capability] === true;
}
