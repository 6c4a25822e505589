import OpenAI from "openai";
import type { ImageGenerateParams, ImagesResponse } from "openai/resources/images";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeServer, startFakeServer } from "../fakes/fake-server";
import { type ModelsLabFake, startModelsLabFake } from "../fakes/modelslab-fake";
import { startTestGateway } from "../support/local-gateway";

/**
 * ModelsLab images and videos through the gateway with the real openai client: ModelsLab's `processing` answers
 * are polled by the gateway (fetch_result, eta) until final, and the client gets OpenAI's images shape.
 */
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
let gateway: Gateway;
let fake: ModelsLabFake;
let elsewhere: FakeServer;
let client: OpenAI;
const KEY = "ml-secret-key";

beforeAll(async () => {
  [gateway, fake, elsewhere] = await Promise.all([
    startTestGateway(),
    startModelsLabFake({ apiKey: KEY }),
    startFakeServer(({ res }) => void res.end("{}")),
  ]);
  client = clientWith(KEY);
});
afterAll(async () => {
  await Promise.all([fake.close(), elsewhere.close(), gateway.stop()]);
});
beforeEach(() => {
  fake.reset();
  Object.assign(fake.options, { processingFetches: 0, eta: 0.05, outcome: "success", fetchResult: undefined });
});

function clientWith(apiKey: string, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({
    apiKey,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": "modelslab",
      "x-portkey-custom-host": `${fake.origin}/api`,
      ...headers,
    },
  });
}

const idOf = (url: string | undefined) => Number(/\/(\d+)-\d+\./.exec(url ?? "")?.[1]);

describe("modelslab images", () => {
  it("text-to-image answered at once: OpenAI's images shape, ModelsLab's body with the key inside", async () => {
    const res = await client.images.generate({ model: "flux", prompt: "a red fox", n: 2, size: "1024x768" });
    expect(res.data).toHaveLength(2);
    expect(res.data?.map((d) => d.url)).toEqual(fake.outputs(idOf(res.data?.[0]?.url)));
    expect(fake.requests).toHaveLength(1);
    const sent = fake.requests[0];
    expect(sent?.path).toBe("/api/v6/images/text2img");
    expect(sent?.json()).toEqual({
      key: KEY,
      model_id: "flux",
      prompt: "a red fox",
      samples: 2,
      width: 1024,
      height: 768,
    });
    expect(sent?.headers.authorization).toBeUndefined();
  });

  it("a processing answer is polled at fetch_result until it succeeds, then answered whole", async () => {
    fake.options.processingFetches = 2;
    const started = Date.now();
    const res = await client.images.generate({ model: "sdxl", prompt: "a lighthouse" });
    const id = idOf(res.data?.[0]?.url);
    expect(res.data?.map((d) => d.url)).toEqual(fake.outputs(id));
    expect(fake.requests.map((r) => r.path)).toEqual([
      "/api/v6/images/text2img",
      `/api/v6/images/fetch/${id}`,
      `/api/v6/images/fetch/${id}`,
      `/api/v6/images/fetch/${id}`,
    ]);
    expect(fake.requests[1]?.json()).toEqual({ key: KEY });
    // the eta (50 ms) is raised to the 200 ms floor between fetches
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 200);
  });

  it("image-to-image when the body has ModelsLab's init_image (extra_body)", async () => {
    const params = { model: "sdxl", prompt: "as a painting", init_image: "https://example.com/in.png", strength: 0.6 };
    const res = (await client.images.generate(params as ImageGenerateParams)) as ImagesResponse;
    expect(res.data).toHaveLength(1);
    expect(fake.requests[0]?.path).toBe("/api/v6/images/img2img");
    expect(fake.requests[0]?.json()).toMatchObject({ init_image: "https://example.com/in.png", strength: 0.6 });
  });

  it("a fetch_result on another host is not followed: the gateway fetches from the host it sent the job to", async () => {
    fake.options.processingFetches = 1;
    fake.options.fetchResult = (id) => `${elsewhere.origin}/api/v6/images/fetch/${id}`;
    const res = await client.images.generate({ model: "flux", prompt: "x" });
    expect(res.data).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
    expect(fake.requests.filter((r) => r.path.includes("/fetch/"))).toHaveLength(2);
  });

  it("polling ends with the request's timeout (504), and the gateway stops fetching", async () => {
    fake.options.processingFetches = 1_000;
    const slow = clientWith(KEY, { "x-portkey-request-timeout": "700" });
    const err = await slow.images.generate({ model: "flux", prompt: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    const count = fake.requests.length;
    expect(count).toBeGreaterThan(1);
    expect(count).toBeLessThanOrEqual(5);
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.requests.length).toBe(count);
  });

  it("ModelsLab's errors in 200 answers become OpenAI errors: invalid key 401, failed generation 502", async () => {
    const badKey = await clientWith("wrong-key")
      .images.generate({ model: "flux", prompt: "x" })
      .catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((badKey as Error).message).toContain("Invalid Api Key");

    fake.options.processingFetches = 1;
    fake.options.outcome = "failed";
    const failed = await client.images.generate({ model: "flux", prompt: "x" }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((failed as Error).message).toContain("Generation failed");
  });

  it("refuses what ModelsLab cannot do with a 400 before calling it", async () => {
    for (const [params, param] of [
      [{ model: "flux", prompt: "x", n: 5 }, "n"],
      [{ model: "flux", prompt: "x", response_format: "b64_json" }, "response_format"],
      [{ model: "flux", prompt: "x", size: "big" }, "size"],
    ] as const) {
      const err = await client.images.generate(params as ImageGenerateParams).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    }
    expect(fake.requests).toHaveLength(0);
  });
});

describe("modelslab videos (/v1/videos/generations)", () => {
  it("text-to-video is always asynchronous: polled, then the video URL in the images shape", async () => {
    const res = await client.post<ImagesResponse>("/videos/generations", {
      body: { model: "cogvideox", prompt: "a spaceship landing", size: "512x512", num_frames: 25 },
    });
    const url = res.data?.[0]?.url;
    expect(url).toMatch(/\.mp4$/);
    expect(fake.requests[0]?.path).toBe("/api/v6/video/text2video");
    expect(fake.requests[0]?.json()).toEqual({
      key: KEY,
      model_id: "cogvideox",
      prompt: "a spaceship landing",
      width: 512,
      height: 512,
      num_frames: 25,
    });
    expect(fake.requests[1]?.path).toBe(`/api/v6/video/fetch/${idOf(url)}`);
  });

  it("image-to-video with init_image", async () => {
    await client.post("/videos/generations", {
      body: { model: "svd", prompt: "make it move", init_image: "https://example.com/a.png" },
    });
    expect(fake.requests[0]?.path).toBe("/api/v6/video/img2video");
  });
});
