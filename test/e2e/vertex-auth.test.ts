import { generateKeyPairSync } from "node:crypto";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sideCalls } from "../../shared/gateway/attempt";
import { createHostGuard } from "../../shared/http/host-guard";
import { createUndiciTransport, type UpstreamTransport } from "../../shared/http/upstream";
import { ServiceAccountTokens } from "../../shared/providers/google-service-account";
import type { SideCalls } from "../../shared/providers/types";
import { startVertexFake, type VertexFake } from "../fakes/vertex-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Vertex AI's service-account auth end to end: the gateway signs an RS256 JWT with the key file's private key, the
 * fake token endpoint (the key file's own `token_uri`) verifies it with the public key and issues an access token,
 * the gateway caches it until shortly before expiry with one exchange in flight per key file.
 */
let gateway: TestGateway;
const fakes: VertexFake[] = [];

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway.stop();
});
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function newFake(): Promise<VertexFake> {
  const fake = await startVertexFake({ project: "auth-project-1" });
  fakes.push(fake);
  return fake;
}

function clientFor(fake: VertexFake, keyFile: unknown, apiKey = "unused"): OpenAI {
  return new OpenAI({
    apiKey,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": "vertex-ai",
      "x-portkey-custom-host": fake.origin,
      "x-portkey-vertex-region": "us-central1",
      ...(keyFile === undefined
        ? { "x-portkey-vertex-project-id": "auth-project-1" }
        : { "x-portkey-vertex-service-account-json": JSON.stringify(keyFile) }),
    },
  });
}

const hello = { model: "gemini-2.0-flash", messages: [{ role: "user" as const, content: "hello" }] };

describe("vertex-ai service-account token exchange", () => {
  it("exchanges a signed JWT once and reuses the token for later requests", async () => {
    const fake = await newFake();
    const client = clientFor(fake, fake.keyFile);
    for (let i = 0; i < 3; i++) {
      const res = await client.chat.completions.create(hello);
      expect(res.choices[0]?.message.content).toContain("hello");
    }
    expect(fake.exchanges).toBe(1);
    const exchange = fake.requests.find((r) => r.path === "/token");
    expect(exchange?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const calls = fake.requests.filter((r) => r.path.includes(":generateContent"));
    expect(calls).toHaveLength(3);
    // the project comes from the key file; the token from the exchange, never the key file itself
    expect(calls[0]?.path).toBe(
      "/v1/projects/auth-project-1/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent",
    );
    expect(String(calls[0]?.headers.authorization)).toMatch(/^Bearer ya29\.fake-1-/);
  });

  it("runs one exchange for concurrent requests with the same key file", async () => {
    const fake = await newFake();
    fake.tokenDelayMs = 150;
    const client = clientFor(fake, fake.keyFile);
    const answers = await Promise.all(Array.from({ length: 6 }, () => client.chat.completions.create(hello)));
    expect(answers).toHaveLength(6);
    expect(fake.exchanges).toBe(1);
  });

  it("a key file whose private key is not the account's is refused by the token endpoint: 401, nothing sent on", async () => {
    const fake = await newFake();
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const client = clientFor(fake, { ...fake.keyFile, private_key: pem });
    const err = await client.chat.completions.create(hello).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    const body = (err as InstanceType<typeof OpenAI.APIError>).error as { code?: string; message?: string };
    expect(body.code).toBe("provider_token_refused");
    expect(body.message).toContain("Invalid JWT Signature");
    expect(JSON.stringify(body)).not.toContain("PRIVATE KEY");
    expect(fake.requests.filter((r) => r.path.startsWith("/v1/"))).toEqual([]);
  });

  it("a key file that is not one is a 400 invalid_provider_option, with no upstream call", async () => {
    const fake = await newFake();
    const client = clientFor(fake, { ...fake.keyFile, private_key: "not a key" });
    const err = await client.chat.completions.create(hello).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe("invalid_provider_option");
    expect(fake.requests).toEqual([]);
  });

  it("an access token as the Bearer key is sent as is, without an exchange", async () => {
    const fake = await newFake();
    const client = clientFor(fake, undefined, fake.staticToken);
    const res = await client.chat.completions.create({ ...hello, model: "anthropic.claude-3-5-haiku@20241022" });
    expect(res.choices[0]?.message.content).toContain("hello");
    expect(fake.exchanges).toBe(0);
    const call = fake.requests.find((r) => r.path.startsWith("/v1/"));
    expect(call?.path).toBe(
      "/v1/projects/auth-project-1/locations/us-central1/publishers/anthropic/models/claude-3-5-haiku%4020241022:rawPredict",
    );
    expect(call?.headers.authorization).toBe(`Bearer ${fake.staticToken}`);
    expect(call?.json()).toMatchObject({ anthropic_version: "vertex-2023-10-16" });
  });
});

describe("vertex-ai virtual key", () => {
  it("stores the key file encrypted, never shows it, and exchanges it for a token when used", async () => {
    const fake = await newFake();
    const created = await gateway.admin("POST", "/v1/virtual-keys", {
      name: "vertex sa",
      provider: "vertex-ai",
      vertex_region: "europe-west4",
      vertex_service_account_json: fake.keyFile,
      custom_host: fake.origin,
      workspace_id: gateway.workspaceId,
    });
    expect(created.status).toBe(200);
    const slug = String(created.json.slug);
    const shown = await gateway.admin("GET", `/v1/virtual-keys/${slug}`);
    expect(shown.json.model_config).toEqual({ vertexRegion: "europe-west4", customHost: fake.origin });
    expect(JSON.stringify([created.json, shown.json])).not.toContain("PRIVATE KEY");
    const client = new OpenAI({
      apiKey: "unused",
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-portkey-api-key": gateway.apiKey },
    });
    const res = await client.chat.completions.create({ ...hello, model: `@${slug}/gemini-2.0-flash` });
    expect(res.choices[0]?.message.content).toContain("hello");
    expect(fake.exchanges).toBe(1);
    expect(fake.requests.at(-1)?.path).toContain("/projects/auth-project-1/locations/europe-west4/");
  });
});

describe("ServiceAccountTokens (real transport, loopback token endpoint)", () => {
  let transport: UpstreamTransport;
  beforeAll(() => {
    transport = createUndiciTransport({ guard: createHostGuard("loopback") });
  });
  afterAll(async () => {
    await transport.close();
  });
  /** The side calls an attempt hands its provider (the gateway's own, byte cap included). */
  const io = (t: UpstreamTransport): SideCalls => sideCalls(t, AbortSignal.timeout(5000));

  it("keeps a token until shortly before it expires, then exchanges again", async () => {
    const fake = await newFake();
    let now = Date.now();
    const tokens = new ServiceAccountTokens({ now: () => now });
    fake.now = () => now;
    const account = tokens.account(JSON.stringify(fake.keyFile));
    const first = await tokens.token(account, io(transport));
    now += 3599_000 - 5 * 60_000 - 1000; // just inside the refresh margin's edge: still the same token
    expect(await tokens.token(account, io(transport))).toBe(first);
    expect(fake.exchanges).toBe(1);
    now += 2000; // within 5 minutes of expiry: renewed
    const second = await tokens.token(account, io(transport));
    expect(second).not.toBe(first);
    expect(fake.exchanges).toBe(2);
  });

  it("the key file's token_uri passes the SSRF guard: a loopback one is refused where loopback is not allowed", async () => {
    const fake = await newFake();
    const strict = createUndiciTransport({ guard: createHostGuard(undefined) });
    try {
      const tokens = new ServiceAccountTokens();
      const account = tokens.account(JSON.stringify(fake.keyFile));
      await expect(tokens.token(account, io(strict))).rejects.toMatchObject({
        statusCode: 400,
        code: "custom_host_forbidden",
      });
      expect(fake.requests).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});
