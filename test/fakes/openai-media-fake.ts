import { type FakeContext, type FakeServer, startFakeServer } from "./fake-server";
import { FAKE_PNG, parseMultipart } from "./stability-fake";

/**
 * OpenAI's media endpoints as a fake: `/v1/images/generations` (b64_json or url), `/v1/audio/speech` (binary
 * audio of the requested format) and `/v1/audio/transcriptions` (multipart upload; json or text answers).
 */
export const FAKE_MP3 = Buffer.from([0xff, 0xfb, 0x90, 0x64, 0x00, 0x0f, 0xf0, 0x00, 0x01, 0x02, 0x03]);

export async function startOpenAIMediaFake(apiKey: string): Promise<FakeServer> {
  async function handle({ req, res, recorded }: FakeContext): Promise<void> {
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: {
            message: "Incorrect API key provided",
            type: "invalid_request_error",
            param: null,
            code: "invalid_api_key",
          },
        }),
      );
      return;
    }
    if (recorded.path === "/v1/images/generations") {
      const body = recorded.json();
      const item =
        body.response_format === "url"
          ? { url: "https://images.example/fake.png" }
          : { b64_json: FAKE_PNG.toString("base64") };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ created: 1700000000, data: [{ ...item, revised_prompt: String(body.prompt) }] }));
      return;
    }
    if (recorded.path === "/v1/audio/speech") {
      const body = recorded.json();
      if (typeof body.input !== "string" || typeof body.voice !== "string") {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            error: {
              message: "input and voice are required",
              type: "invalid_request_error",
              param: "input",
              code: null,
            },
          }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "audio/mpeg", "transfer-encoding": "chunked" });
      res.end(FAKE_MP3);
      return;
    }
    if (recorded.path === "/v1/audio/transcriptions") {
      const form = parseMultipart(recorded.body, req.headers["content-type"]);
      const file = form.get("file");
      const model = form.get("model")?.value.toString("utf8");
      if (!file?.filename || !model) {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            error: { message: "file and model are required", type: "invalid_request_error", param: "file", code: null },
          }),
        );
        return;
      }
      const text = `heard ${file.value.length} bytes from ${file.filename}`;
      if (form.get("response_format")?.value.toString("utf8") === "text") {
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
        res.end(`${text}\n`);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ text, usage: { type: "duration", seconds: 1 } }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: { message: `Invalid URL (${recorded.path})`, type: "invalid_request_error", param: null, code: null },
      }),
    );
  }
  return startFakeServer(handle);
}
