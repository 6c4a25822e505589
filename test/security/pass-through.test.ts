import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, startFakeServer } from "../fakes/fake-server";
import { startTestGateway, type TestGateway } from "../support/local-gateway";
import { type Arena, startArena } from "./arena";

/**
 * Pass-through rows (files, batches, the `/v1/{proxy+}` catch-all) as an attacker holding a completions key and a
 * host it controls: paths cannot leave `/v1/` upstream, gateway credentials and `x-portkey-*` headers never leave,
 * custom hosts pass the SSRF guard, and a stalling upstream cannot hold a download open.
 */
let arena: Arena;

beforeAll(async () => {
  arena = await startArena();
});
afterAll(() => arena.stop());

/** A request with the path sent exactly as written (fetch and `http.request(url)` would normalise `..`). */
function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.once("error", reject);
    });
    req.once("timeout", () => req.destroy(new Error("request timed out")));
    req.once("error", reject);
    req.end(body);
  });
}

function attackerHeaders(): Record<string, string> {
  return {
    "x-portkey-api-key": arena.attackerKey,
    "x-portkey-provider": "openai",
    "x-portkey-custom-host": arena.attacker.baseUrl,
    authorization: "Bearer sk-attacker-provider-key",
  };
}

describe("paths cannot leave /v1/ upstream", () => {
  const catchAll = [
    "/v1/vector_stores/../../admin",
    "/v1/x/..",
    "/v1/./files",
    "/v1//files",
    "/v1/vector_stores%2F..%2F..%2Fadmin",
    "/v1/vector_stores/%2e%2e/%2e%2e/admin",
    "/v1/a\\..\\..\\admin",
    `/v1/${"a".repeat(2000)}`,
  ];

  it.each(catchAll)("refuses the catch-all path %s with a 400 invalid_path, upstream untouched", async (path) => {
    // Act
    const res = await rawRequest(arena.gateway.url, "GET", path, attackerHeaders());

    // Assess
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_path" } });
    expect(arena.attacker.requests).toHaveLength(0);
  });

  const templated = ["/v1/files/..%2F..%2Fadmin/content", "/v1/files/%2e%2e", "/v1/batches/..", "/v1/files/a%5C..%5Cb"];

  it.each(templated)("answers the id path %s with a 404, upstream untouched", async (path) => {
    // Act
    const res = await rawRequest(arena.gateway.url, "GET", path, attackerHeaders());

    // Assess
    expect(res.status).toBe(404);
    expect(arena.attacker.requests).toHaveLength(0);
  });
});

describe("what leaves the gateway", () => {
  it("never forwards the gateway key or x-portkey-* headers on a catch-all or multipart upload", async () => {
    // Prepare
    const headers = {
      ...attackerHeaders(),
      "x-portkey-metadata": '{"team":"red"}',
      "x-portkey-trace-id": "trace-pass-through",
      "x-portkey-forward-headers": "x-portkey-api-key",
    };
    const multipart = '--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--b--\r\n';

    // Act
    await rawRequest(arena.gateway.url, "POST", "/v1/vector_stores", headers, '{"name":"x"}');
    await rawRequest(
      arena.gateway.url,
      "POST",
      "/v1/files",
      {
        ...headers,
        "content-type": "multipart/form-data; boundary=b",
      },
      multipart,
    );

    // Assess
    expect(arena.attacker.requests).toHaveLength(2);
    for (const sent of arena.attacker.requests) {
      expect(Object.keys(sent.headers).filter((h) => h.startsWith("x-portkey-") && h !== "x-portkey-hop")).toEqual([]);
      expect(JSON.stringify(sent.headers)).not.toContain(arena.attackerKey);
    }
    arena.attacker.reset();
  });

  it.each(["/v1/files", "/v1/vector_stores"])("checks the custom host of %s against the SSRF guard", async (path) => {
    // Act
    const res = await rawRequest(arena.gateway.url, "GET", path, {
      ...attackerHeaders(),
      "x-portkey-custom-host": "http://169.254.169.254/v1",
    });

    // Assess
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: "custom_host_forbidden" } });
  });
});

describe("a download from an upstream that stalls", () => {
  let gateway: TestGateway;
  let stalling: FakeServer;

  beforeAll(async () => {
    gateway = await startTestGateway({ streamIdleTimeoutMs: 300 });
    stalling = await startFakeServer(({ res }) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.write(Buffer.alloc(64 * 1024, 1)); // then nothing, the connection held open
    });
  });
  afterAll(async () => {
    await gateway.stop();
    await stalling.close();
  });

  it("is cut after the idle timeout: the client sees the body end early, the log says why", async () => {
    // Prepare
    const started = performance.now();

    // Act
    const res = await fetch(`${gateway.url}/v1/files/file-1/content`, {
      headers: {
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": `${stalling.origin}/v1`,
        "x-portkey-trace-id": "trace-stalled-download",
        authorization: "Bearer sk-provider",
      },
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.arrayBuffer().catch((err: unknown) => err);

    // Assess: the status had gone out; the body fails instead of looking complete
    expect(res.status).toBe(200);
    expect(body).toBeInstanceOf(Error);
    expect(performance.now() - started).toBeLessThan(5_000);
    await expect
      .poll(async () => (await gateway.loggedText()).includes("trace-stalled-download"), { timeout: 5_000 })
      .toBe(true);
    const row = (await gateway.loggedText())
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((r) => r.trace_id === "trace-stalled-download");
    expect(row).toMatchObject({ endpoint: "fileContent", status: 502, response_bytes: 64 * 1024 });
    expect(String(row?.error_message)).toContain("could not be passed on");
  });
});
