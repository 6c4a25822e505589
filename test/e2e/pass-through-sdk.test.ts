import { randomBytes, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeServer, startFakeServer } from "../fakes/fake-server";
import { type OpenAIFilesFake, startOpenAIFilesFake } from "../fakes/openai-files-fake";
import { FAKE_PNG, parseMultipart } from "../fakes/stability-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * The long tail through the gateway with the unmodified `openai` SDK: files, batches, fine-tuning jobs, image
 * edits and variations, audio translations and a path only the catch-all serves (vector stores), against an
 * OpenAI fake. Bytes go through unchanged both ways; each call is one log record, without binary bodies.
 */
const PROVIDER_KEY = "sk-proj-pass-through-provider-key-0123456789";
const SIX_MB = 6 * 1024 * 1024;

type Row = Record<string, unknown>;

let fake: OpenAIFilesFake;
let gateway: TestGateway;
let client: OpenAI;
let dir: string;

beforeAll(async () => {
  [fake, gateway, dir] = await Promise.all([
    startOpenAIFilesFake(PROVIDER_KEY),
    startTestGateway(),
    mkdtemp(join(tmpdir(), "pass-through-")),
  ]);
  client = sdk({ "x-portkey-provider": "openai", "x-portkey-custom-host": fake.baseUrl });
});
afterAll(async () => {
  await gateway.stop();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

function sdk(headers: Record<string, string>, apiKey = PROVIDER_KEY): OpenAI {
  return new OpenAI({
    apiKey,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    timeout: 20_000,
    defaultHeaders: { "x-portkey-api-key": gateway.apiKey, ...headers },
  });
}

/** The log row of one trace id; records are written after the answer, so poll. */
async function rowOf(traceId: string): Promise<Row> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const rows = (await gateway.loggedText())
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Row);
    const row = rows.find((r) => r.trace_id === traceId && r.kind === "request");
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no log row for trace ${traceId}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function traced(): { traceId: string; headers: Record<string, string> } {
  const traceId = randomUUID();
  return { traceId, headers: { "x-portkey-trace-id": traceId } };
}

describe("files", () => {
  it("uploads a multi-MB file from a stream and streams its content back byte for byte", async () => {
    // Prepare
    const bytes = randomBytes(SIX_MB);
    const path = join(dir, "batch_input.jsonl");
    await writeFile(path, bytes);
    const upload = traced();

    // Act: upload
    const created = await client.files.create(
      { file: createReadStream(path), purpose: "batch" },
      { headers: upload.headers },
    );

    // Assess: the upstream got the file part's bytes unchanged
    expect(created).toMatchObject({ object: "file", bytes: SIX_MB, filename: "batch_input.jsonl", purpose: "batch" });
    expect(fake.files.get(created.id)?.content.equals(bytes)).toBe(true);

    // Act: download, the upstream holding back the second half until the client has the first bytes
    let release!: () => void;
    fake.hold(new Promise<void>((resolve) => (release = resolve)));
    const download = traced();
    const res = await client.files.content(created.id, { headers: download.headers });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    release();
    const chunks = [Buffer.from(first.value ?? [])];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(Buffer.from(r.value));
    fake.hold(undefined);

    // Assess: the first bytes came while the upstream still held the rest; the whole is the file
    expect(first.done).toBe(false);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toContain("batch_output.jsonl");
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);

    // Assess: one log record each, by endpoint name, with bytes and without the binary bodies
    const up = await rowOf(upload.traceId);
    expect(up).toMatchObject({ endpoint: "fileUpload", status: 200, provider: "openai", request_body: null });
    expect(up.request_bytes).toBeGreaterThan(SIX_MB);
    const down = await rowOf(download.traceId);
    expect(down).toMatchObject({ endpoint: "fileContent", method: "GET", status: 200, response_bytes: SIX_MB });
    expect(down.response_body).toBeNull();
    expect(down.latency_ms).toBeGreaterThan(0);
    expect(down.prompt_tokens).toBe(0);
  });

  it("forwards the client's multipart bytes and content type exactly", async () => {
    // Prepare: a body with every byte value in the file part
    const boundary = "----gateway-exact-bytes";
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="all.bin"\r\n`),
      Buffer.from("Content-Type: application/octet-stream\r\n\r\n"),
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const contentType = `multipart/form-data; boundary=${boundary}`;

    // Act
    const res = await fetch(`${gateway.url}/v1/files`, {
      method: "POST",
      headers: {
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": fake.baseUrl,
        authorization: `Bearer ${PROVIDER_KEY}`,
        "content-type": contentType,
      },
      body,
    });

    // Assess
    expect(res.status).toBe(200);
    const sent = fake.requests.at(-1);
    expect(sent?.headers["content-type"]).toBe(contentType);
    expect(sent?.body.equals(body)).toBe(true);
    expect(sent?.headers["x-portkey-api-key"]).toBeUndefined();
    expect(sent?.headers["x-portkey-provider"]).toBeUndefined();
  });

  it("lists, retrieves and deletes files, the query passed on", async () => {
    // Prepare
    const created = await client.files.create({
      file: await toFile(Buffer.from('{"a":1}\n'), "train.jsonl"),
      purpose: "fine-tune",
    });

    // Act
    const listed = await client.files.list({ purpose: "fine-tune" });
    const retrieved = await client.files.retrieve(created.id);
    const deleted = await client.files.delete(created.id);
    const gone = await client.files.retrieve(created.id).catch((e: unknown) => e);

    // Assess
    expect(listed.data.map((f) => f.id)).toContain(created.id);
    expect(listed.data.every((f) => f.purpose === "fine-tune")).toBe(true);
    expect(fake.requests.find((r) => r.method === "GET" && r.path.startsWith("/v1/files?"))?.path).toBe(
      "/v1/files?purpose=fine-tune",
    );
    expect(retrieved).toEqual(created);
    expect(deleted).toEqual({ id: created.id, object: "file", deleted: true });
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect((gone as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({
      message: `No such File object: ${created.id}`,
      type: "invalid_request_error",
    });
  });
});

describe("batches and fine-tuning jobs", () => {
  it("creates, retrieves, lists and cancels a batch", async () => {
    // Act
    const batch = await client.batches.create({
      input_file_id: "file-abc",
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
      metadata: { run: "nightly" },
    });
    const retrieved = await client.batches.retrieve(batch.id);
    const page = await client.batches.list();
    const cancelled = await client.batches.cancel(batch.id);

    // Assess
    expect(batch).toMatchObject({ object: "batch", status: "validating", input_file_id: "file-abc" });
    expect(retrieved.id).toBe(batch.id);
    expect(page.data.map((b) => b.id)).toContain(batch.id);
    expect(cancelled.status).toBe("cancelling");
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/batches",
      `GET /v1/batches/${batch.id}`,
      "GET /v1/batches",
      `POST /v1/batches/${batch.id}/cancel`,
    ]);
  });

  it("creates, lists, retrieves and cancels a fine-tuning job and lists its events", async () => {
    // Act
    const job = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: "file-abc" });
    const page = await client.fineTuning.jobs.list({ limit: 5 });
    const retrieved = await client.fineTuning.jobs.retrieve(job.id);
    const events = await client.fineTuning.jobs.listEvents(job.id);
    const cancelled = await client.fineTuning.jobs.cancel(job.id);

    // Assess
    expect(job).toMatchObject({
      object: "fine_tuning.job",
      model: "gpt-4o-mini-2024-07-18",
      status: "validating_files",
    });
    expect(page.data.map((j) => j.id)).toContain(job.id);
    expect(retrieved.id).toBe(job.id);
    expect(events.data[0]).toMatchObject({
      object: "fine_tuning.job.event",
      message: `Created fine-tuning job: ${job.id}`,
    });
    expect(cancelled.status).toBe("cancelled");
    expect(fake.requests[1]?.path).toBe("/v1/fine_tuning/jobs?limit=5");
  });
});

describe("media uploads", () => {
  it("edits an image and makes a variation (multipart forwarded unchanged)", async () => {
    // Act
    const edited = await client.images.edit({
      model: "dall-e-2",
      image: await toFile(FAKE_PNG, "fox.png", { type: "image/png" }),
      prompt: "add a hat",
    });
    const variation = await client.images.createVariation({
      image: await toFile(FAKE_PNG, "fox.png", { type: "image/png" }),
    });

    // Assess
    expect(edited.data?.[0]?.b64_json).toBe(FAKE_PNG.toString("base64"));
    expect(variation.data?.[0]?.b64_json).toBe(FAKE_PNG.toString("base64"));
    const form = parseMultipart(
      fake.requests[0]?.body ?? Buffer.alloc(0),
      String(fake.requests[0]?.headers["content-type"]),
    );
    expect(form.get("image")?.value.equals(FAKE_PNG)).toBe(true);
    expect(form.get("prompt")?.value.toString()).toBe("add a hat");
    expect(fake.requests.map((r) => r.path)).toEqual(["/v1/images/edits", "/v1/images/variations"]);
  });

  it("translates audio", async () => {
    // Act
    const translation = await client.audio.translations.create({
      model: "whisper-1",
      file: await toFile(Buffer.from("RIFF....WAVEfmt "), "speech.wav", { type: "audio/wav" }),
    });

    // Assess
    expect(translation.text).toBe("translated 16 bytes of speech.wav");
  });
});

describe("the catch-all", () => {
  it("passes any other /v1/* path of an OpenAI-compatible provider (vector stores)", async () => {
    // Act
    const trace = traced();
    const store = await client.vectorStores.create({ name: "docs" }, { headers: trace.headers });
    const page = await client.vectorStores.list();
    const deleted = await client.vectorStores.delete(store.id);

    // Assess
    expect(store).toMatchObject({ object: "vector_store", name: "docs" });
    expect(page.data.map((s) => s.id)).toContain(store.id);
    expect(deleted).toMatchObject({ id: store.id, deleted: true });
    expect(fake.requests[0]?.json()).toEqual({ name: "docs" });
    expect(await rowOf(trace.traceId)).toMatchObject({ endpoint: "proxyPost", status: 200, provider: "openai" });
  });

  it("never shadows a declared row: another method on its path is still a 405", async () => {
    // Act
    const res = await fetch(`${gateway.url}/v1/files/file-1`, {
      method: "POST",
      headers: { "x-portkey-api-key": gateway.apiKey, "content-type": "application/json" },
      body: "{}",
    });

    // Assess
    expect(res.status).toBe(405);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("routing, keys and limits", () => {
  let failing: FakeServer;
  beforeAll(async () => {
    failing = await startFakeServer(({ res }) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end('{"error":{"message":"boom","type":"server_error","param":null,"code":null}}');
    });
  });
  afterAll(() => failing.close());

  it("goes to a config's first target only, once: no retries, no fallback", async () => {
    // Prepare: fallback from a failing target (with retries) to the working one
    const config = {
      strategy: { mode: "fallback" },
      retry: { attempts: 3 },
      targets: [
        { provider: "openai", api_key: PROVIDER_KEY, custom_host: `${failing.origin}/v1` },
        { provider: "openai", api_key: PROVIDER_KEY, custom_host: fake.baseUrl },
      ],
    };
    const viaConfig = sdk({ "x-portkey-config": JSON.stringify(config) });

    // Act
    const err = await viaConfig.files.list().catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(failing.requests).toHaveLength(1);
    expect(fake.requests).toHaveLength(0);
    failing.reset();
  });

  it("works with a virtual key, the provider key never sent by the app", async () => {
    // Prepare
    const slug = await gateway.createVirtualKey({ name: "files-vk", key: PROVIDER_KEY, custom_host: fake.baseUrl });
    const app = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

    // Act
    const page = await app.batches.list({}, { headers: { "x-portkey-virtual-key": slug } });

    // Assess
    expect(page.data).toBeInstanceOf(Array);
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
  });

  it("applies the key's rate limit before any upstream call", async () => {
    // Prepare
    const key = await gateway.createKey({
      name: "two a minute",
      scopes: ["completions"],
      rate_limits: [{ type: "requests", unit: "rpm", value: 2 }],
    });
    const limited = new OpenAI({
      apiKey: PROVIDER_KEY,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        "x-portkey-api-key": key,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": fake.baseUrl,
      },
    });

    // Act
    const results = [];
    for (let i = 0; i < 3; i++)
      results.push(
        await limited.files.list().then(
          () => 200,
          (e: { status?: number }) => e.status,
        ),
      );

    // Assess
    expect(results).toEqual([200, 200, 429]);
    expect(fake.requests).toHaveLength(2);
  });

  it("answers a provider without the endpoint with the one 400 unsupported_endpoint", async () => {
    // Act
    const err = await sdk({ "x-portkey-provider": "anthropic", "x-portkey-custom-host": fake.baseUrl })
      .files.list()
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ code: "unsupported_endpoint" });
    expect(fake.requests).toHaveLength(0);
  });
});
