import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../shared/core/errors";
import { matchEndpoint } from "../../shared/gateway/endpoints";
import { modelCatalog } from "../../shared/gateway/model-catalog";
import { MODEL_CONTEXT_WINDOWS } from "../../shared/pricing/context-windows";
import { MODEL_PRICES } from "../../shared/pricing/prices";

describe("the model catalog's tables", () => {
  it("every context window names a model of the price table (the catalog lists priced models only)", () => {
    // Act
    const orphans = Object.entries(MODEL_CONTEXT_WINDOWS).flatMap(([provider, models]) =>
      Object.keys(models)
        .filter((model) => !MODEL_PRICES[provider]?.[model])
        .map((model) => `${provider}/${model}`),
    );

    // Assess
    expect(orphans).toEqual([]);
  });
});

describe("modelCatalog", () => {
  it("gives Claude-on-Vertex ids to vertex-ai keys only, though they sit in the google price table", () => {
    // Act
    const google = JSON.parse(modelCatalog([{ slug: "g", provider: "google" }]).body) as { data: { id: string }[] };
    const vertex = JSON.parse(modelCatalog([{ slug: "v", provider: "vertex-ai" }]).body) as { data: { id: string }[] };

    // Assess
    expect(google.data.map((m) => m.id)).toContain("@g/gemini-2.5-pro");
    expect(google.data.some((m) => m.id.startsWith("@g/anthropic."))).toBe(false);
    expect(vertex.data.map((m) => m.id)).toContain("@v/anthropic.claude-sonnet-4-5");
  });

  it("is built once per list of keys (the cached lookup hands out the same array)", () => {
    // Prepare
    const keys = [{ slug: "o", provider: "openai" }];

    // Act
    const first = modelCatalog(keys);
    const second = modelCatalog(keys);

    // Assess
    expect(second).toBe(first);
    expect(first.byId.get("@o/gpt-4o")).toContain('"context_window":128000');
  });

  it("lists nothing for a provider without prices", () => {
    // Act
    const catalog = modelCatalog([{ slug: "h", provider: "huggingface" }]);

    // Assess
    expect(JSON.parse(catalog.body)).toEqual({ object: "list", data: [] });
  });
});

describe("the {model} path parameter", () => {
  it.each([
    ["gpt-4o", "gpt-4o"],
    ["@vk-1%2Fgpt-4o", "@vk-1%2Fgpt-4o"],
    ["meta-llama%2FLlama-3.1-8B", "meta-llama%2FLlama-3.1-8B"],
    ["ft:gpt-4o:org::abc", "ft:gpt-4o:org::abc"],
  ])("%s routes to GET /v1/models/{model}", (raw, param) => {
    // Act
    const match = matchEndpoint("GET", `/v1/models/${raw}`);

    // Assess
    expect(match).not.toBeInstanceOf(Error);
    expect(match).toMatchObject({ route: { endpoint: "model" }, params: { model: param } });
  });

  it.each(["..", "..%2Fadmin", "a%2F..%2Fb", "a%2F.", "%2e%2e", "a%20b", "a%2"])("%s is 404", (raw) => {
    // Act
    const match = matchEndpoint("GET", `/v1/models/${raw}`);

    // Assess
    expect(match).toBeInstanceOf(NotFoundError);
  });
});
