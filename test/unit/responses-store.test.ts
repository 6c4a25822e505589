import { describe, expect, it } from "vitest";
import { azureOpenAIAdapter } from "../../shared/providers/azure-openai";
import { MemoryItemTable } from "../../shared/store/memory-item-table";
import { responsesTtlSeconds, TableResponseStore } from "../../shared/store/response-store";

const RESPONSE = { id: "resp_abc", object: "response", output: [{ type: "message", content: [] }] };
const INPUT = [{ id: "msg_1", type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }];

describe("the Responses store on the single table", () => {
  it("keeps a response per workspace until its TTL", async () => {
    // Prepare
    let now = 1_000_000;
    const store = new TableResponseStore(new MemoryItemTable(() => now), { ttlSeconds: 60, now: () => now });

    // Act
    await store.put("ws1", { response: RESPONSE, input: INPUT });
    const own = await store.get("ws1", "resp_abc");
    const other = await store.get("ws2", "resp_abc");
    now += 61_000;
    const expired = await store.get("ws1", "resp_abc");

    // Assess
    expect(own).toEqual({ response: RESPONSE, input: INPUT });
    expect(other).toBeUndefined();
    expect(expired).toBeUndefined();
  });

  it("records a conversation too large for an item as such, and deletes", async () => {
    // Prepare
    const store = new TableResponseStore(new MemoryItemTable(Date.now), {
      ttlSeconds: 60,
      now: Date.now,
      maxBytes: 10,
    });

    // Act
    const outcome = await store.put("ws1", { response: RESPONSE, input: INPUT });
    const found = await store.get("ws1", "resp_abc");
    await store.delete("ws1", "resp_abc");

    // Assess
    expect(outcome).toBe("too_large");
    expect(found).toEqual({ tooLarge: expect.any(Number) });
    expect(await store.get("ws1", "resp_abc")).toBeUndefined();
  });

  it("reads its TTL from RESPONSES_TTL_DAYS (30 days by default) and refuses nonsense", () => {
    expect(responsesTtlSeconds({})).toBe(30 * 86_400);
    expect(responsesTtlSeconds({ RESPONSES_TTL_DAYS: "1" })).toBe(86_400);
    expect(() => responsesTtlSeconds({ RESPONSES_TTL_DAYS: "-2" })).toThrow(/RESPONSES_TTL_DAYS/);
  });
});

describe("Azure OpenAI's Responses API", () => {
  it("has no deployment in its URL and keeps the client's query with the api-version set once", () => {
    // Act
    const req = azureOpenAIAdapter.toRequest({
      endpoint: "responses_input_items",
      target: {
        provider: "azure-openai",
        apiKey: "k",
        options: { resourceName: "res", apiVersion: "2025-04-01-preview" },
      },
      body: {},
      rawBody: Buffer.alloc(0),
      path: "/v1/responses/resp_1/input_items",
      search: "?limit=2",
      bodyChanged: false,
    });

    // Assess
    expect(req.url).toBe(
      "https://res.openai.azure.com/openai/responses/resp_1/input_items?limit=2&api-version=2025-04-01-preview",
    );
    expect(req.headers["api-key"]).toBe("k");
  });
});
