import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHostGuard } from "../../shared/http/host-guard";
import { createUndiciTransport, type UpstreamTransport } from "../../shared/http/upstream";
import { fetchImages } from "../../shared/providers/image-fetch";
import type { SideCalls } from "../../shared/providers/types";
import { type BedrockFake, PNG_1PX, startBedrockFake } from "../fakes/bedrock-fake";
import { type FakeServer, sleep, startFakeServer } from "../fakes/fake-server";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Images by URL on Bedrock: Converse takes bytes, so the gateway fetches an http(s) image URL through the shared
 * transport (SSRF guard, byte cap, timeout, image content types only) and sends the bytes. A loopback "web server"
 * holds the images; the Bedrock fake decodes what it receives.
 */
const REGION = "us-west-2";
const CREDS = { accessKeyId: "AKIAIMAGESFAKE01", secretAccessKey: "images/secret" };
const BIG = 20 * 1024 * 1024 + 1;

let gateway: TestGateway;
let bedrock: BedrockFake;
let web: FakeServer;
let client: OpenAI;

beforeAll(async () => {
  gateway = await startTestGateway();
  bedrock = await startBedrockFake({ ...CREDS, region: REGION });
  web = await startFakeServer(async ({ res, recorded }) => {
    if (recorded.path.startsWith("/cat.png")) {
      res.writeHead(200, { "content-type": "image/png; charset=binary" });
      res.end(PNG_1PX);
    } else if (recorded.path === "/big.png") {
      res.writeHead(200, { "content-type": "image/png", "content-length": BIG });
      res.end(Buffer.alloc(BIG));
    } else if (recorded.path === "/big-chunked.png") {
      res.writeHead(200, { "content-type": "image/png" });
      for (let sent = 0; sent < BIG && !res.destroyed; sent += 1024 * 1024) res.write(Buffer.alloc(1024 * 1024));
      res.end();
    } else if (recorded.path === "/page.html") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>not an image</html>");
    } else if (recorded.path.startsWith("/medium.png")) {
      await sleep(150);
      res.writeHead(200, { "content-type": "image/png" });
      res.end(PNG_1PX);
    } else if (recorded.path.startsWith("/slow.png")) {
      await sleep(2000);
      res.writeHead(200, { "content-type": "image/png" });
      res.end(PNG_1PX);
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  client = new OpenAI({
    apiKey: "unused",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": "bedrock",
      "x-portkey-custom-host": bedrock.origin,
      "x-portkey-aws-region": REGION,
      "x-portkey-aws-access-key-id": CREDS.accessKeyId,
      "x-portkey-aws-secret-access-key": CREDS.secretAccessKey,
    },
  });
});
afterAll(async () => {
  await Promise.all([web?.close(), bedrock?.close()]);
  await gateway?.stop();
});

function ask(url: string) {
  return client.chat.completions.create({
    model: "anthropic.claude-3-haiku-20240307-v1:0",
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "describe this" },
          { type: "image_url", image_url: { url } },
        ],
      },
    ],
  });
}

async function refusal(url: string): Promise<{ status: number; code?: string; param?: string; message?: string }> {
  const err = await ask(url).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  const e = err as InstanceType<typeof OpenAI.APIError>;
  const body = e.error as { code?: string; param?: string; message?: string };
  return { status: e.status ?? 0, ...body };
}

describe("bedrock: images by URL", () => {
  it("fetches the image without the client's credentials and sends its bytes to Converse", async () => {
    web.reset();
    bedrock.reset();
    const res = await ask(`${web.origin}/cat.png`);
    expect(res.choices[0]?.message.content).toBe("You said: describe this [images: 1]");
    expect(web.requests).toHaveLength(1);
    const fetch = web.requests[0];
    expect(fetch?.method).toBe("GET");
    const sent = JSON.stringify(fetch?.headers).toLowerCase();
    for (const secret of [gateway.apiKey, CREDS.secretAccessKey, CREDS.accessKeyId, "unused"]) {
      expect(sent).not.toContain(secret.toLowerCase());
    }
    const converse = bedrock.requests
      .find((r) => r.path.endsWith("/converse"))
      ?.json<{
        messages: { content: { image?: { format: string; source: { bytes: string } } }[] }[];
      }>();
    const image = converse?.messages[0]?.content.find((b) => b.image)?.image;
    expect(image?.format).toBe("png");
    expect(Buffer.from(image?.source.bytes ?? "", "base64").equals(PNG_1PX)).toBe(true);
  });

  it.each([
    ["/big.png", "announced larger than 20 MiB"],
    ["/big-chunked.png", "larger than 20 MiB while streaming"],
  ])("an image %s (%s) is a 400 image_too_large, and nothing reaches Bedrock", async (path) => {
    bedrock.reset();
    const err = await refusal(`${web.origin}${path}`);
    expect(err).toMatchObject({ status: 400, code: "image_too_large", param: "messages[0].content[1].image_url.url" });
    expect(bedrock.requests).toEqual([]);
  });

  it("a URL that is not an image (text/html) is a 400 unsupported_image_type", async () => {
    bedrock.reset();
    expect(await refusal(`${web.origin}/page.html`)).toMatchObject({ status: 400, code: "unsupported_image_type" });
    expect(bedrock.requests).toEqual([]);
  });

  it("a URL that answers 404 is a 400 image_url_unreachable", async () => {
    expect(await refusal(`${web.origin}/missing.png`)).toMatchObject({ status: 400, code: "image_url_unreachable" });
  });

  it("a URL of another scheme is a 400 before anything is fetched", async () => {
    web.reset();
    expect(await refusal("ftp://127.0.0.1/cat.png")).toMatchObject({ status: 400, code: "unsupported_parameter" });
    expect(web.requests).toEqual([]);
  });
});

describe("fetchImages (real transport)", () => {
  let loopback: UpstreamTransport;
  let strict: UpstreamTransport;
  beforeAll(() => {
    loopback = createUndiciTransport({ guard: createHostGuard("loopback") });
    strict = createUndiciTransport({ guard: createHostGuard(undefined) });
  });
  afterAll(async () => {
    await Promise.all([loopback.close(), strict.close()]);
  });
  function io(t: UpstreamTransport): SideCalls {
    return {
      async send(req, limits) {
        const res = await t.send(req, limits.signal ?? AbortSignal.timeout(5000));
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const c of res.body) {
          size += (c as Buffer).length;
          if (size > limits.maxBytes) {
            const { UpstreamUnavailableError } = await import("../../shared/core/errors");
            throw new UpstreamUnavailableError("too large", { code: "upstream_response_too_large" });
          }
          chunks.push(c as Buffer);
        }
        return { status: res.status, headers: res.headers, body: Buffer.concat(chunks) };
      },
      wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
  }
  const one = (url: string) => [{ url, param: "messages[0].content[0].image_url.url" }];

  it("a private (loopback) URL is refused where the deployment does not allow it: 400, no request", async () => {
    web.reset();
    await expect(fetchImages(one(`${web.origin}/cat.png`), io(strict))).rejects.toMatchObject({
      statusCode: 400,
      code: "image_url_forbidden",
      param: "messages[0].content[0].image_url.url",
    });
    expect(web.requests).toEqual([]);
  });

  it("a URL that does not answer in time is a 400 image_url_unreachable, bounded by the timeout", async () => {
    const started = Date.now();
    await expect(fetchImages(one(`${web.origin}/slow.png`), io(loopback), { timeoutMs: 200 })).rejects.toMatchObject({
      statusCode: 400,
      code: "image_url_unreachable",
    });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("several URLs share one time budget: the request's, not each URL's", async () => {
    // each answers in 150 ms, within the 400 ms budget alone; four of them do not fit in it together
    const medium = ["a", "b", "c", "d"].map((q) => ({ url: `${web.origin}/medium.png?${q}`, param: q }));
    const started = Date.now();
    await expect(fetchImages(medium, io(loopback), { timeoutMs: 400 })).rejects.toMatchObject({
      statusCode: 400,
      code: "image_url_unreachable",
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("the byte cap is for the whole request, and a URL given twice is fetched once", async () => {
    web.reset();
    const cat = `${web.origin}/cat.png`;
    const images = await fetchImages(
      [
        { url: cat, param: "a" },
        { url: cat, param: "b" },
      ],
      io(loopback),
    );
    expect(images.size).toBe(1);
    expect(web.requests).toHaveLength(1);
    await expect(
      fetchImages(
        [
          { url: cat, param: "a" },
          { url: `${web.origin}/cat.png?2`, param: "b" },
        ],
        io(loopback),
        { maxBytes: PNG_1PX.length + 10 },
      ),
    ).rejects.toMatchObject({ statusCode: 400, code: "image_too_large", param: "b" });
  });
});
