import type { ServerResponse } from "node:http";
import { type FakeContext, type FakeServer, startFakeServer } from "./fake-server";
import { FAKE_PNG, parseMultipart } from "./stability-fake";

/**
 * OpenAI's stateful long tail as a fake, in the shapes of the `openai` SDK's types (resources/files.d.ts,
 * batches.d.ts, fine-tuning/jobs, images.d.ts, audio/translations.d.ts): files (multipart upload, list, retrieve,
 * content, delete), batches, fine-tuning jobs and their events, image edits and variations, audio translations,
 * and vector stores (a path the gateway passes through its catch-all). File content is sent in chunks; `hold`
 * keeps the second half back until it resolves (to see the gateway stream it, not read it whole).
 */
export interface OpenAIFilesFake extends FakeServer {
  /** `http://127.0.0.1:port/v1`. */
  readonly baseUrl: string;
  /** Uploaded files by id, with their bytes. */
  readonly files: Map<string, { readonly object: Record<string, unknown>; readonly content: Buffer }>;
  /** Gates the second half of the next file content download (and every one after, until replaced). */
  hold(gate: Promise<void> | undefined): void;
}

const CREATED = 1_700_000_000;
const CHUNK = 64 * 1024;

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

function notFound(res: ServerResponse, message: string): void {
  json(res, 404, { error: { message, type: "invalid_request_error", param: null, code: null } });
}

function list(data: readonly unknown[]): Record<string, unknown> {
  return { object: "list", data, has_more: false };
}

/** Writes `body` in chunks honouring backpressure; the second half waits for `gate`. */
async function writeChunked(res: ServerResponse, body: Buffer, gate: Promise<void> | undefined): Promise<void> {
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-disposition": 'attachment; filename="batch_output.jsonl"',
  });
  const half = Math.floor(body.length / 2);
  for (let at = 0; at < body.length; at += CHUNK) {
    if (gate && at >= half && at - CHUNK < half) await gate;
    const chunk = body.subarray(at, Math.min(at + CHUNK, body.length));
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once("drain", resolve));
    if (res.destroyed) return;
  }
  res.end();
}

export async function startOpenAIFilesFake(apiKey: string): Promise<OpenAIFilesFake> {
  const files = new Map<string, { object: Record<string, unknown>; content: Buffer }>();
  const batches = new Map<string, Record<string, unknown>>();
  const jobs = new Map<string, Record<string, unknown>>();
  const stores = new Map<string, Record<string, unknown>>();
  let gate: Promise<void> | undefined;
  let serial = 0;

  async function handle({ req, res, recorded }: FakeContext): Promise<void> {
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      json(res, 401, {
        error: {
          message: "Incorrect API key provided",
          type: "invalid_request_error",
          param: null,
          code: "invalid_api_key",
        },
      });
      return;
    }
    const url = new URL(recorded.path, "http://fake");
    const path = url.pathname;
    const method = recorded.method;
    const id = (prefix: string) => `${prefix}${++serial}`;
    let m: readonly (string | undefined)[] = [];
    /** `m` set to the match of `re` on the path (empty when it does not match). */
    const at = (re: RegExp): boolean => {
      m = re.exec(path) ?? [];
      return m.length > 0;
    };

    if (path === "/v1/files" && method === "POST") {
      const form = parseMultipart(recorded.body, req.headers["content-type"]);
      const file = form.get("file");
      const purpose = form.get("purpose")?.value.toString("utf8");
      if (!file?.filename || !purpose) {
        json(res, 400, {
          error: { message: "file and purpose are required", type: "invalid_request_error", param: "file", code: null },
        });
        return;
      }
      const object = {
        id: id("file-"),
        object: "file",
        bytes: file.value.length,
        created_at: CREATED,
        filename: file.filename,
        purpose,
        status: "processed",
      };
      files.set(object.id, { object, content: Buffer.from(file.value) });
      json(res, 200, object);
      return;
    }
    if (path === "/v1/files" && method === "GET") {
      const purpose = url.searchParams.get("purpose");
      json(res, 200, list([...files.values()].map((f) => f.object).filter((f) => !purpose || f.purpose === purpose)));
      return;
    }
    if (at(/^\/v1\/files\/([^/]+)(\/content)?$/)) {
      const file = files.get(m[1] as string);
      if (!file) return notFound(res, `No such File object: ${m[1]}`);
      if (m[2] && method === "GET") return writeChunked(res, file.content, gate);
      if (method === "GET") return json(res, 200, file.object);
      if (method === "DELETE") {
        files.delete(m[1] as string);
        return json(res, 200, { id: m[1], object: "file", deleted: true });
      }
    }
    if (path === "/v1/batches" && method === "POST") {
      const body = recorded.json();
      const batch = {
        id: id("batch_"),
        object: "batch",
        endpoint: body.endpoint,
        errors: null,
        input_file_id: body.input_file_id,
        completion_window: body.completion_window,
        status: "validating",
        output_file_id: null,
        error_file_id: null,
        created_at: CREATED,
        request_counts: { total: 0, completed: 0, failed: 0 },
        metadata: body.metadata ?? null,
      };
      batches.set(batch.id, batch);
      return json(res, 200, batch);
    }
    if (path === "/v1/batches" && method === "GET") return json(res, 200, list([...batches.values()]));
    if (at(/^\/v1\/batches\/([^/]+)(\/cancel)?$/)) {
      const batch = batches.get(m[1] as string);
      if (!batch) return notFound(res, `No batch found with id '${m[1]}'.`);
      if (m[2] && method === "POST") batch.status = "cancelling";
      return json(res, 200, batch);
    }
    if (path === "/v1/fine_tuning/jobs" && method === "POST") {
      const body = recorded.json();
      const job = {
        id: id("ftjob-"),
        object: "fine_tuning.job",
        created_at: CREATED,
        error: null,
        fine_tuned_model: null,
        finished_at: null,
        hyperparameters: { n_epochs: "auto", batch_size: "auto", learning_rate_multiplier: "auto" },
        model: body.model,
        organization_id: "org-fake",
        result_files: [],
        seed: 42,
        status: "validating_files",
        trained_tokens: null,
        training_file: body.training_file,
        validation_file: null,
      };
      jobs.set(job.id, job);
      return json(res, 200, job);
    }
    if (path === "/v1/fine_tuning/jobs" && method === "GET") return json(res, 200, list([...jobs.values()]));
    if (at(/^\/v1\/fine_tuning\/jobs\/([^/]+)(\/cancel|\/events)?$/)) {
      const job = jobs.get(m[1] as string);
      if (!job) return notFound(res, `Could not find fine-tune: ${m[1]}`);
      if (m[2] === "/cancel") job.status = "cancelled";
      if (m[2] === "/events") {
        const event = {
          id: "ftevent-1",
          object: "fine_tuning.job.event",
          created_at: CREATED,
          level: "info",
          message: `Created fine-tuning job: ${m[1]}`,
          type: "message",
        };
        return json(res, 200, list([event]));
      }
      return json(res, 200, job);
    }
    if ((path === "/v1/images/edits" || path === "/v1/images/variations") && method === "POST") {
      const form = parseMultipart(recorded.body, req.headers["content-type"]);
      if (!form.get("image")?.filename && !form.get("image[]")?.filename) {
        return json(res, 400, {
          error: { message: "image is required", type: "invalid_request_error", param: "image", code: null },
        });
      }
      return json(res, 200, { created: CREATED, data: [{ b64_json: FAKE_PNG.toString("base64") }] });
    }
    if (path === "/v1/audio/translations" && method === "POST") {
      const form = parseMultipart(recorded.body, req.headers["content-type"]);
      const file = form.get("file");
      if (!file?.filename) {
        return json(res, 400, {
          error: { message: "file is required", type: "invalid_request_error", param: "file", code: null },
        });
      }
      return json(res, 200, { text: `translated ${file.value.length} bytes of ${file.filename}` });
    }
    if (path === "/v1/vector_stores" && method === "POST") {
      const body = recorded.json();
      const store = {
        id: id("vs_"),
        object: "vector_store",
        name: body.name ?? null,
        created_at: CREATED,
        status: "completed",
      };
      stores.set(store.id, store);
      return json(res, 200, store);
    }
    if (path === "/v1/vector_stores" && method === "GET") return json(res, 200, list([...stores.values()]));
    if (at(/^\/v1\/vector_stores\/([^/]+)$/) && method === "DELETE") {
      if (!stores.delete(m[1] as string)) return notFound(res, `No vector store found with id '${m[1]}'.`);
      return json(res, 200, { id: m[1], object: "vector_store.deleted", deleted: true });
    }
    notFound(res, `Invalid URL (${method} ${path})`);
  }

  const server = await startFakeServer(handle);
  return Object.assign(server, {
    baseUrl: `${server.origin}/v1`,
    files,
    hold: (next: Promise<void> | undefined) => {
      gate = next;
    },
  });
}
