import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ENDPOINT_ROWS,
  ENDPOINTS,
  type Endpoint,
  type EndpointRow,
  isTemplated,
  upstreamPath,
} from "../../shared/core/endpoints";
import { OPENAI_FAMILY } from "../../shared/providers/openai-family";
import { LOCAL_ANSWERS } from "../../shared/providers/protocols/local-answers";
import { loadChatLayer, VIA_CHAT } from "../../shared/providers/protocols/via-chat";
import { defaultProviderRegistry } from "../../shared/providers/registry";
import type { ProviderAdapter, ProviderTarget, TransformContext } from "../../shared/providers/types";
import { samplePath } from "../support/endpoint-paths";
import { thrown } from "../support/thrown";

/**
 * One suite against every provider of the default registry and every row of the endpoint table: a provider serves
 * exactly the endpoints it declares, each the way its row says, and every other endpoint is the same 400. A new
 * provider or a new row is covered without touching this file.
 */
const registry = defaultProviderRegistry();
// (the translated providers' modules load on demand, ADR 0044: loaded here through the registry as a request would)
const providers = await Promise.all(registry.ids().map((id) => registry.load(id)));
// (and the chat layer's code, which the attempt loads before calling a provider for one of its endpoints)
await Promise.all(ENDPOINT_ROWS.map((row) => loadChatLayer(row.endpoint)));
const openAIFamily = new Set(OPENAI_FAMILY.map((p) => p.id).concat("azure-openai"));

/** What a provider needs besides a key to build any request (Azure's URL parts, Bedrock's region, Ollama's host). */
const TARGETS: Readonly<Record<string, Partial<ProviderTarget>>> = {
  "azure-openai": { options: { resourceName: "res", deploymentId: "dep", apiVersion: "2024-10-21" } },
  bedrock: { options: { awsRegion: "us-east-1" } },
  ollama: { customHost: "http://127.0.0.1:11434" },
  "vertex-ai": { options: { vertexProjectId: "my-project-1", vertexRegion: "us-central1" } },
  "lm-studio": { customHost: "http://127.0.0.1:1234" },
  vllm: { customHost: "http://127.0.0.1:8000" },
  "azure-ai": { customHost: "https://res.services.ai.azure.com/models" },
  "workers-ai": { options: { workersAiAccountId: "0123456789abcdef0123456789abcdef" } },
};

const MULTIPART = "multipart/form-data; boundary=b";
/** A minimal valid request per endpoint, acceptable to every provider that serves it. */
const BODIES: Readonly<Record<Endpoint, Record<string, unknown>>> = {
  chat: { model: "m", messages: [{ role: "user", content: "hi" }] },
  completions: { model: "m", prompt: "hi" },
  embeddings: { model: "amazon.titan-embed-text-v2:0", input: "hi" },
  images: { model: "stable-image-core", prompt: "a red fox" },
  speech: { model: "tts-1", input: "hi", voice: "alloy" },
  transcriptions: {},
  moderations: { input: "hi" },
  models: {},
  model: {},
  rerank: { model: "rerank-2", query: "fox", documents: ["a red fox", "a blue whale"] },
  videos: { model: "cogvideox", prompt: "a red fox running" },
  fileUpload: {},
  fileList: {},
  fileRetrieve: {},
  fileDelete: {},
  fileContent: {},
  batchCreate: { input_file_id: "file-1", endpoint: "/v1/chat/completions", completion_window: "24h" },
  batchList: {},
  batchRetrieve: {},
  batchCancel: {},
  fineTuningCreate: { model: "gpt-4o-mini", training_file: "file-1" },
  fineTuningList: {},
  fineTuningRetrieve: {},
  fineTuningCancel: {},
  fineTuningEvents: {},
  imageEdits: {},
  imageVariations: {},
  translations: {},
  proxyGet: {},
  proxyPost: {},
  proxyDelete: {},
  responses: { model: "m", input: "hi" },
  responses_get: {},
  responses_delete: {},
  responses_input_items: {},
  messages: { model: "m", max_tokens: 16, messages: [{ role: "user", content: "hi" }] },
  messages_count_tokens: { model: "m", messages: [{ role: "user", content: "hi" }] },
};

function ctxFor(provider: ProviderAdapter, row: EndpointRow, extra: Record<string, unknown> = {}): TransformContext {
  const body = { ...BODIES[row.endpoint], ...extra };
  const rawBody =
    row.body === "multipart" || row.body === "raw"
      ? Buffer.from('--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--b--\r\n')
      : Buffer.from(row.body === "json" ? JSON.stringify(body) : "");
  return {
    endpoint: row.endpoint,
    target: { provider: provider.id, apiKey: "key", ...TARGETS[provider.id] },
    body,
    rawBody,
    contentType:
      row.body === "multipart" || row.body === "raw" ? MULTIPART : row.body === "json" ? "application/json" : undefined,
    bodyChanged: false,
    ...(isTemplated(row) ? { path: samplePath(row), search: "?limit=2" } : {}),
  };
}

/** A templated row's path with every `{name}` filled in (what a client sends). */

/** The chat layer serves `GET`/`DELETE` of stored responses from the gateway's store only: no upstream request. */
function builds({ provider, row }: { provider: ProviderAdapter; row: EndpointRow }): boolean {
  return !(provider.viaChat.has(row.endpoint) && row.body === "none");
}

const pairs = providers.flatMap((provider) => ENDPOINT_ROWS.map((row) => ({ provider, row, id: provider.id })));
const served = pairs.filter(({ provider, row }) => provider.endpoints.has(row.endpoint));
const unserved = pairs.filter(({ provider, row }) => !provider.endpoints.has(row.endpoint));

describe("every provider", () => {
  it.each(providers.map((p) => ({ provider: p, id: p.id })))(
    "$id serves at least one endpoint of the table",
    ({ provider }) => {
      expect(provider.endpoints.size).toBeGreaterThan(0);
      for (const endpoint of provider.endpoints) expect(ENDPOINT_ROWS.map((r) => r.endpoint)).toContain(endpoint);
    },
  );
});

/** Provider id -> the endpoints docs/providers.md lists for it (`all`, or names with optional notes in brackets). */
function documentedEndpoints(): Map<string, string[]> {
  const doc = readFileSync(new URL("../../docs/providers.md", import.meta.url), "utf8");
  const table = doc.slice(doc.indexOf("| id "), doc.indexOf("\n\n", doc.indexOf("| id ")));
  const out = new Map<string, string[]>();
  for (const line of table.split("\n").slice(2)) {
    const [idCell = "", , endpointsCell = ""] = line
      .split("|")
      .slice(1)
      .map((c) => c.trim());
    const ids = [/^`([^`]+)`/.exec(idCell)?.[1] ?? "", ...(/\(\+ ([^)]*)\)/.exec(idCell)?.[1]?.split(", ") ?? [])];
    const names =
      endpointsCell === "all"
        ? ENDPOINT_ROWS.filter((r) => r.openAI !== false).map((r) => r.endpoint)
        : endpointsCell
            .replace(/\([^)]*\)/g, "")
            .split(",")
            .map((e) => e.trim());
    for (const id of ids) out.set(id, withChatLayer(names));
  }
  return out;
}

/** A provider that serves chat also serves the chat layer's endpoints (the page says so once, not per row). */
function withChatLayer(names: readonly string[]): string[] {
  const implied = [...Object.keys(VIA_CHAT), ...Object.keys(LOCAL_ANSWERS)];
  const all = names.includes("chat") ? [...names, ...implied.filter((e) => !names.includes(e))] : names;
  const order = ENDPOINT_ROWS.map((r) => r.endpoint as string);
  return [...all].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

describe("docs/providers.md", () => {
  it("lists every provider with the endpoints it serves", () => {
    const documented = documentedEndpoints();
    expect([...documented.keys()].sort()).toEqual(registry.ids().sort());
    for (const provider of providers) expect(documented.get(provider.id)).toEqual([...provider.endpoints]);
  });
});

describe("an endpoint a provider serves", () => {
  it.each(served.filter(builds).map((p) => ({ ...p, path: p.row.path })))(
    "$id builds $path requests",
    ({ provider, row }) => {
      // Act
      const ctx = ctxFor(provider, row);
      const local = provider.localAnswer?.(ctx);
      if (local) {
        // answered by the gateway itself (protocols/local-answers.ts): a JSON answer, no upstream request
        expect(JSON.parse(local.body.toString())).toBeTypeOf("object");
        expect(() => provider.requireEndpoint(row.endpoint)).not.toThrow();
        return;
      }
      const req = provider.toRequest(ctx);

      // Assess
      expect(new URL(req.url).protocol).toMatch(/^https?:$/);
      expect(req.method).toBe(row.method);
      if (row.body === "none") expect(req.body).toBeUndefined();
      else expect(req.body?.length).toBeGreaterThan(0);
      expect(() => provider.requireEndpoint(row.endpoint)).not.toThrow();
      // the OpenAI wire format: the row's path below the base URL, the client's multipart bytes unchanged
      // (a templated row: the client's own path and query; an endpoint of the chat layer: a chat completion)
      const native = provider.viaChat.has(row.endpoint) ? ENDPOINTS.chat : row;
      const path = isTemplated(native) ? samplePath(native).slice("/v1".length) : upstreamPath(native);
      if (openAIFamily.has(provider.id)) expect(new URL(req.url).pathname).toMatch(new RegExp(`${path}$`));
      if (openAIFamily.has(provider.id) && isTemplated(native)) {
        expect(new URL(req.url).searchParams.get("limit")).toBe("2");
      }
      if (openAIFamily.has(provider.id) && (row.body === "multipart" || row.body === "raw")) {
        expect(req.headers["content-type"]).toBe(MULTIPART);
        expect(req.body).toEqual(ctxFor(provider, row).rawBody);
      }
    },
  );

  it.each(served.map((p) => ({ ...p, path: p.row.path })))(
    "$id streams $path only if its row has a streamed form",
    ({ provider, row }) => {
      // Prepare
      const ctx = ctxFor(provider, row, { stream: true });

      // Act
      const streams = provider.isStreaming(ctx);

      // Assess
      if (row.stream === false) expect(streams).toBe(false);
      if (streams) expect(() => provider.createStreamTranslator(ctx)).not.toThrow();
      expect(provider.isStreaming(ctxFor(provider, row))).toBe(false);
    },
  );
});

describe("a stored response read through the chat layer", () => {
  it.each(served.filter((p) => !builds(p)).map((p) => ({ ...p, path: p.row.path })))(
    "$id answers $path for an id the gateway does not hold with a 404",
    ({ provider, row }) => {
      // Act
      const err = thrown(() => provider.toRequest(ctxFor(provider, row)));

      // Assess
      expect(err.statusCode).toBe(404);
      expect(err.toBody().error.type).toBe("invalid_request_error");
    },
  );
});

describe("an endpoint a provider does not serve", () => {
  it.each(unserved.map((p) => ({ ...p, path: p.row.path })))(
    "$id answers $path with the one unsupported_endpoint 400",
    ({ provider, row }) => {
      // Prepare
      const ctx = ctxFor(provider, row, { stream: true });
      // a path served by two methods (GET and DELETE /v1/responses/{id}) is named once
      const servedPaths = [
        ...new Set(ENDPOINT_ROWS.filter((r) => provider.endpoints.has(r.endpoint)).map((r) => r.path)),
      ];

      // Act
      const errors = [
        thrown(() => provider.requireEndpoint(row.endpoint)),
        thrown(() => provider.toRequest(ctx)),
        thrown(() => provider.fromResponse(200, Buffer.from("{}"), ctx)),
        thrown(() => provider.createStreamTranslator(ctx)),
      ];

      // Assess
      for (const err of errors) {
        expect(err.toBody()).toEqual({
          error: {
            message: `Provider ${provider.id} does not serve ${row.path}; it serves ${servedPaths.join(", ")}.`,
            type: "invalid_request_error",
            param: null,
            code: "unsupported_endpoint",
          },
        });
        expect(err.statusCode).toBe(400);
      }
      expect(provider.isStreaming(ctx)).toBe(false);
    },
  );
});
