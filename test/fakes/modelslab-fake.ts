import type { ServerResponse } from "node:http";
import { type FakeContext, type FakeServer, startFakeServer } from "./fake-server";

/**
 * A fake of ModelsLab's generation API (v6): `POST /api/v6/images/{text2img|img2img}` and
 * `/api/v6/video/{text2video|img2video}` with the key in the JSON body (`key`, `model_id`, `prompt`, `samples`,
 * `width`, `height`, `init_image` ...). Errors come as HTTP 200 `{"status":"error","message": text | {field:
 * [text]}}`. A generation answers `success` at once, or `processing` with `id`, `eta` (seconds), `fetch_result`
 * and `future_links`; `POST /api/v6/{images|video}/fetch/{id}` with `{"key"}` answers `processing` (with an `eta`)
 * until the scripted number of fetches is reached, then `success` with `output` (or `failed`).
 */
export interface ModelsLabFakeOptions {
  readonly apiKey: string;
  /** Fetches answering `processing` before the result is ready (0: the generation answers `success` at once). */
  processingFetches?: number;
  /** The `eta` (seconds) of `processing` answers. */
  eta?: number;
  /** How the generation ends after the processing fetches. */
  outcome?: "success" | "failed";
  /** Overrides the `fetch_result` URL of `processing` answers (a hostile host pointing elsewhere). */
  fetchResult?: (id: number) => string;
}

export interface ModelsLabFake extends FakeServer {
  readonly options: ModelsLabFakeOptions;
  /** The output URLs of generation `id`. */
  outputs(id: number): string[];
}

/** Writes a JSON answer; true so that a handler can `return json(...)`. */
function json(res: ServerResponse, body: unknown, status = 200): true {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
  return true;
}

export async function startModelsLabFake(options: ModelsLabFakeOptions): Promise<ModelsLabFake> {
  let nextId = 81_000_000;
  const jobs = new Map<number, { kind: string; samples: number; fetches: number }>();
  let origin = "";
  const outputs = (id: number): string[] => {
    const job = jobs.get(id);
    const ext = job?.kind === "video" ? "mp4" : "png";
    return Array.from({ length: job?.samples ?? 1 }, (_, i) => `${origin}/generations/${id}-${i}.${ext}`);
  };
  const success = (id: number) => ({
    status: "success",
    generationTime: 1.93,
    id,
    output: outputs(id),
    proxy_links: outputs(id).map((u) => u.replace("/generations/", "/proxy/")),
    nsfw_content_detected: false,
    meta: { seed: 12345 },
  });
  const processing = (id: number, kind: string) => ({
    status: "processing",
    tip: "Your request is processing in background, you can get the result using the fetch API",
    eta: options.eta ?? 0.05,
    messege: "Try to fetch request after given estimated time",
    fetch_result: options.fetchResult?.(id) ?? `${origin}/api/v6/${kind}/fetch/${id}`,
    id,
    output: [],
    meta: { seed: 12345 },
    future_links: outputs(id),
  });

  function handle({ req, res, recorded }: FakeContext): true {
    if (req.method !== "POST") return json(res, { status: "error", message: "Method not allowed" }, 405);
    let body: Record<string, unknown>;
    try {
      body = recorded.json();
    } catch {
      return json(res, { status: "error", message: "Invalid JSON body" }, 400);
    }
    if (body.key !== options.apiKey) return json(res, { status: "error", message: "Invalid Api Key" });
    const fetchMatch = /^\/api\/v6\/(images|video)\/fetch\/(\d+)$/.exec(recorded.path);
    if (fetchMatch) {
      const id = Number(fetchMatch[2]);
      const job = jobs.get(id);
      if (!job || job.kind !== fetchMatch[1]) return json(res, { status: "error", message: "Request not found" });
      job.fetches += 1;
      if (job.fetches <= (options.processingFetches ?? 0)) return json(res, processing(id, job.kind));
      if (options.outcome === "failed") return json(res, { status: "failed", id, message: "Generation failed" });
      return json(res, success(id));
    }
    const gen = /^\/api\/v6\/(images|video)\/(text2img|img2img|text2video|img2video)$/.exec(recorded.path);
    if (!gen) return json(res, { status: "error", message: "Not found" }, 404);
    const [, kind = "", path = ""] = gen;
    const missing: Record<string, string[]> = {};
    if (typeof body.prompt !== "string" || !body.prompt) missing.prompt = ["The prompt field is required."];
    if (typeof body.model_id !== "string") missing.model_id = ["The model id field is required."];
    if (path.startsWith("img2") && typeof body.init_image !== "string")
      missing.init_image = ["The init image field is required."];
    if (Object.keys(missing).length > 0) return json(res, { status: "error", message: missing });
    const samples = kind === "images" ? Number(body.samples ?? 1) : 1;
    if (!Number.isInteger(samples) || samples < 1 || samples > 4)
      return json(res, { status: "error", message: "samples should be between 1 and 4" });
    const id = nextId++;
    jobs.set(id, { kind, samples, fetches: 0 });
    // videos are always asynchronous; images when fetches are scripted
    if ((options.processingFetches ?? 0) > 0 || kind === "video") return json(res, processing(id, kind));
    return json(res, success(id));
  }

  const server = await startFakeServer((ctx) => void handle(ctx));
  origin = server.origin;
  return Object.assign(server, { options, outputs });
}
