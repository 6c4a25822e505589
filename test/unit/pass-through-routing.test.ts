import { describe, expect, it } from "vitest";
import { ENDPOINTS } from "../../shared/core/endpoints";
import { BadRequestError, MethodNotAllowedError, NotFoundError } from "../../shared/core/errors";
import { matchEndpoint } from "../../shared/gateway/endpoints";
import { azureOpenAIAdapter } from "../../shared/providers/azure-openai";
import { functionForPath } from "../../shared/routes";
import { compileConfig } from "../../shared/routing/compile";
import { firstTargetOnly } from "../../shared/routing/first-target";

describe("matchEndpoint with the pass-through rows", () => {
  it.each([
    ["GET", "/v1/files", "fileList"],
    ["POST", "/v1/files", "fileUpload"],
    ["GET", "/v1/files/file-abc", "fileRetrieve"],
    ["DELETE", "/v1/files/file-abc", "fileDelete"],
    ["GET", "/v1/files/file-abc/content", "fileContent"],
    ["POST", "/v1/batches/batch_1/cancel", "batchCancel"],
    ["GET", "/v1/fine_tuning/jobs/ftjob-1/events", "fineTuningEvents"],
    ["POST", "/v1/chat/completions", "chat"],
    ["GET", "/v1/vector_stores", "proxyGet"],
    ["POST", "/v1/vector_stores/vs_1/files", "proxyPost"],
    ["DELETE", "/v1/vector_stores/vs_1", "proxyDelete"],
    ["GET", "/v1/fine_tuning/jobs/ftjob-1/checkpoints", "proxyGet"],
  ])("%s %s is %s", (method, path, endpoint) => {
    // Act
    const match = matchEndpoint(method, path);

    // Assess
    expect(match).not.toBeInstanceOf(Error);
    expect((match as { route: { endpoint: string } }).route.endpoint).toBe(endpoint);
  });

  it("never lets the catch-all shadow a declared path: another method is a 405", () => {
    expect(matchEndpoint("GET", "/v1/chat/completions")).toBeInstanceOf(MethodNotAllowedError);
    expect(matchEndpoint("POST", "/v1/files/file-abc")).toBeInstanceOf(MethodNotAllowedError);
    expect(matchEndpoint("PUT", "/v1/vector_stores")).toBeInstanceOf(MethodNotAllowedError);
  });

  it("refuses catch-all paths that could leave /v1/ and answers paths outside it with a 404", () => {
    for (const path of ["/v1/a/../b", "/v1//a", "/v1/a%2Fb", "/v1/a/", "/v1/."]) {
      expect(matchEndpoint("GET", path)).toBeInstanceOf(BadRequestError);
    }
    expect(matchEndpoint("GET", "/v2/files")).toBeInstanceOf(NotFoundError);
    expect(matchEndpoint("GET", "/v1")).toBeInstanceOf(NotFoundError);
  });

  it("sends catch-all paths to the gateway function (API Gateway's fallback)", () => {
    expect(functionForPath("/v1/vector_stores/vs_1/files")).toBe("gateway");
    expect(functionForPath("/v1/files/file-1/content")).toBe("gateway");
  });
});

describe("firstTargetOnly", () => {
  it("keeps a fallback config's first target, without retries, once per plan", () => {
    // Prepare
    const plan = compileConfig({
      strategy: { mode: "fallback" },
      retry: { attempts: 3 },
      targets: [{ virtual_key: "primary" }, { virtual_key: "secondary" }],
    });

    // Act
    const single = firstTargetOnly(plan);

    // Assess
    expect(single.root).toMatchObject({ kind: "leaf", virtualKey: "primary", retry: { attempts: 0 } });
    expect(single.leaves.map((l) => l.virtualKey)).toEqual(["primary"]);
    expect(firstTargetOnly(plan)).toBe(single);
  });
});

describe("azure-openai pass-through URLs", () => {
  const target = {
    provider: "azure-openai",
    apiKey: "key",
    options: { resourceName: "res", deploymentId: "dep", apiVersion: "2024-10-21" },
  };

  it("puts files on the resource (no deployment), with the client's query and one api-version", () => {
    // Act
    const req = azureOpenAIAdapter.toRequest({
      endpoint: "fileList",
      target,
      body: {},
      rawBody: Buffer.alloc(0),
      path: "/v1/files",
      search: "?purpose=batch&api-version=evil",
      bodyChanged: false,
    });

    // Assess
    expect(req.url).toBe("https://res.openai.azure.com/openai/files?purpose=batch&api-version=2024-10-21");
    expect(req.headers["api-key"]).toBe("key");
  });

  it("keeps image edits under the deployment", () => {
    const req = azureOpenAIAdapter.toRequest({
      endpoint: "imageEdits",
      target,
      body: {},
      rawBody: Buffer.from("x"),
      contentType: "multipart/form-data; boundary=b",
      bodyChanged: false,
    });
    expect(req.url).toBe("https://res.openai.azure.com/openai/deployments/dep/images/edits?api-version=2024-10-21");
    expect(ENDPOINTS.imageEdits.passThrough).toBeUndefined();
  });
});
