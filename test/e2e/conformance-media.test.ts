import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBedrockFake } from "../fakes/bedrock-fake";
import { startCohereFake } from "../fakes/cohere-fake";
import type { FakeServer } from "../fakes/fake-server";
import { startGoogleFake } from "../fakes/google-fake";
import { FAKE_MP3, startOpenAIMediaFake } from "../fakes/openai-media-fake";
import { FAKE_PNG, parseMultipart, stabilityErrorBody, startStabilityFake } from "../fakes/stability-fake";
import { startTestGateway } from "../support/local-gateway";

/** Images, audio and embeddings through the gateway with the real openai client, per provider. */
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
let gateway: Gateway;
const fakes: FakeServer[] = [];

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  await gateway.stop();
});

function clientFor(provider: string, apiKey: string, customHost: string, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({
    apiKey,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": provider,
      "x-portkey-custom-host": customHost,
      ...headers,
    },
  });
}

describe("stability-ai images in OpenAI's images shape", () => {
  let fake: FakeServer;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await startStabilityFake({ apiKey: "sk-stability" });
    fakes.push(fake);
    client = clientFor("stability-ai", "sk-stability", fake.origin);
  });

  it("generates an image as b64_json, sending Stability's multipart form", async () => {
    const res = await client.images.generate({ model: "stable-image-core", prompt: "a red fox", size: "1792x1024" });
    expect(Buffer.from(res.data?.[0]?.b64_json ?? "", "base64")).toEqual(FAKE_PNG);
    const sent = fake.requests.at(-1);
    const form = parseMultipart(sent?.body ?? Buffer.alloc(0), String(sent?.headers["content-type"]));
    expect(form.get("prompt")?.value.toString()).toBe("a red fox");
    expect(form.get("aspect_ratio")?.value.toString()).toBe("16:9");
    expect(sent?.path).toBe("/v2beta/stable-image/generate/core");
  });

  it("refuses what Stability cannot do with a 400 before calling it", async () => {
    const before = fake.requests.length;
    const err = await client.images.generate({ model: "sd3.5-large", prompt: "x", n: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("n");
    expect(fake.requests.length).toBe(before);
  });

  it("maps Stability's error body to OpenAI's", async () => {
    fake.enqueueFaults({ kind: "status", status: 429, body: stabilityErrorBody(429, "slow down") });
    const err = await client.images.generate({ model: "stable-image-ultra", prompt: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as Error).message).toContain("slow down");
  });
});

describe("openai images and audio pass-through", () => {
  let client: OpenAI;
  beforeAll(async () => {
    const fake = await startOpenAIMediaFake("sk-media");
    fakes.push(fake);
    client = clientFor("openai", "sk-media", `${fake.origin}/v1`);
  });

  it("generates images", async () => {
    const res = await client.images.generate({ model: "gpt-image-1", prompt: "a boat", response_format: "b64_json" });
    expect(Buffer.from(res.data?.[0]?.b64_json ?? "", "base64")).toEqual(FAKE_PNG);
    expect(res.data?.[0]?.revised_prompt).toBe("a boat");
  });

  it("returns speech as binary audio with its content type", async () => {
    const res = await client.audio.speech.create({ model: "gpt-4o-mini-tts", voice: "alloy", input: "hello" });
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    expect(Buffer.from(await res.arrayBuffer())).toEqual(FAKE_MP3);
  });

  it("uploads a transcription as multipart, json and text answers", async () => {
    const file = await toFile(Buffer.alloc(1234, 1), "speech.wav", { type: "audio/wav" });
    const json = await client.audio.transcriptions.create({ model: "whisper-1", file });
    expect(json.text).toBe("heard 1234 bytes from speech.wav");
    const file2 = await toFile(Buffer.alloc(10, 1), "b.wav", { type: "audio/wav" });
    const text = await client.audio.transcriptions.create({ model: "whisper-1", file: file2, response_format: "text" });
    expect(String(text).trim()).toBe("heard 10 bytes from b.wav");
  });
});

describe("embeddings across providers", () => {
  it("google batchEmbedContents, decoded by the SDK", async () => {
    const fake = await startGoogleFake({ apiKey: "g-key" });
    fakes.push(fake);
    const res = await clientFor("google", "g-key", fake.baseUrl).embeddings.create({
      model: "text-embedding-004",
      input: ["abc", "defgh"],
    });
    expect(res.data).toHaveLength(2);
    expect(res.data[1]?.embedding[0]).toBeCloseTo(5 / 7, 5);
  });

  it("cohere embed v2 with billed tokens as usage", async () => {
    const fake = await startCohereFake({ apiKey: "c-key" });
    fakes.push(fake);
    const res = await clientFor("cohere", "c-key", fake.baseUrl).embeddings.create({
      model: "embed-v4.0",
      input: ["one two", "three"],
    });
    expect(res.data).toHaveLength(2);
    expect(res.usage.prompt_tokens).toBe(3);
  });

  it("bedrock titan via InvokeModel, signed", async () => {
    const creds = { accessKeyId: "AKIAEMB", secretAccessKey: "emb/secret", region: "us-east-1" };
    const fake = await startBedrockFake(creds);
    fakes.push(fake);
    const client = clientFor("bedrock", "unused", fake.origin, {
      "x-portkey-aws-region": creds.region,
      "x-portkey-aws-access-key-id": creds.accessKeyId,
      "x-portkey-aws-secret-access-key": creds.secretAccessKey,
    });
    const res = await client.embeddings.create({
      model: "amazon.titan-embed-text-v2:0",
      input: "hello world",
      dimensions: 4,
    });
    expect(res.data[0]?.embedding).toHaveLength(4);
    expect(res.usage.prompt_tokens).toBe(2);
  });
});
