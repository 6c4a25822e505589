import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe("admin and analytics APIs on the local runtime", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  async function get(path: string): Promise<{ status: number; json: ErrorJson }> {
    const res = await fetch(`${gateway.url}${path}`, { headers: { "x-portkey-api-key": gateway.apiKey } });
    return { status: res.status, json: (await res.json()) as ErrorJson };
  }

  it.each([
    ["GET", "/v1/logs/%E0%A4%A"],
    ["PUT", "/v1/feedback/%E0%A4%A"],
    ["GET", "/v1/analytics/groups/metadata/%E0%A4%A"],
  ])("answers a malformed percent-encoding in %s %s with 400, not 500", async (method, path) => {
    // Act
    const res = await fetch(
      `${gateway.url}${path}?time_of_generation_min=2026-01-01T00:00:00Z&time_of_generation_max=2026-01-02T00:00:00Z`,
      {
        method,
        headers: { "x-portkey-api-key": gateway.apiKey, "content-type": "application/json" },
        ...(method === "PUT" ? { body: JSON.stringify({ value: 1 }) } : {}),
      },
    );
    const json = (await res.json()) as ErrorJson;
    // Assess
    expect(res.status, JSON.stringify(json)).toBe(400);
    expect(json.error).toMatchObject({ type: "invalid_request_error", code: "invalid_path" });
  });

  it("keeps answering well-formed ids (a log that does not exist is a 404)", async () => {
    const res = await get("/v1/logs/0190a7b5-0000-7000-8000-000000000000");
    expect(res.status).toBe(404);
  });
});
