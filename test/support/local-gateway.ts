import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from "../../local/runtime";
import type { Scope } from "../../shared/core/principal";
import type { RequestObserver } from "../../shared/logging/request-summary";
import { type OpenAIFake, type OpenAIFakeOptions, startOpenAIFake } from "../fakes/openai-fake";

export const TEST_ROOT_KEY = "pk-root-test-root-key-for-the-suite-0123456789";

export type TestGatewayOptions = Partial<
  Pick<
    LocalRuntimeOptions,
    "streamIdleTimeoutMs" | "logBodies" | "bounds" | "maxRequestBodyBytes" | "requestBodyTimeoutMs" | "env"
  >
> & {
  observer?: RequestObserver;
};

/** The body of `POST /v1/api-keys`; `workspace_id` defaults to the test workspace. */
export interface TestKeyFields extends Record<string, unknown> {
  readonly name: string;
  readonly scopes: readonly Scope[];
}

/** The body of `POST /v1/virtual-keys`; `provider` defaults to `openai`, `workspace_id` to the test workspace. */
export interface TestVirtualKeyFields extends Record<string, unknown> {
  readonly name: string;
  readonly key: string;
  readonly custom_host: string;
}

export interface TestGateway extends LocalRuntime {
  readonly dataDir: string;
  /** A gateway key with every scope in `workspaceId`, for SDK clients (`x-portkey-api-key`). */
  readonly apiKey: string;
  readonly workspaceId: string;
  /** Calls the admin API as root. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Creates a workspace as root and returns its id; throws unless it was created. */
  createWorkspace(fields: { readonly name: string } & Record<string, unknown>): Promise<string>;
  /** Creates a gateway key as root and returns its secret; throws unless it was created. */
  createKey(fields: TestKeyFields): Promise<string>;
  /** Stores a virtual key as root and returns its slug; throws unless it was created. */
  createVirtualKey(fields: TestVirtualKeyFields): Promise<string>;
  /** Every line the runtime wrote to its NDJSON request log so far (after a flush). */
  loggedText(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the local runtime on a random loopback port with a throw-away data directory, a workspace and a key. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), "gateway-test-"));
  const runtime = await startLocalRuntime({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    customHostAllowlist: "loopback",
    adminKey: TEST_ROOT_KEY,
    env: {}, // OpenTelemetry only where a test asks for it, whatever the machine's OTEL_* variables
    ...options,
  });
  async function admin(method: string, path: string, body?: unknown) {
    const res = await fetch(`${runtime.url}${path}`, {
      method,
      headers: { "x-portkey-api-key": TEST_ROOT_KEY, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }
  async function created(path: string, body: Record<string, unknown>, field: string): Promise<string> {
    const res = await admin("POST", path, body);
    if (res.status !== 200 && res.status !== 201) throw new Error(`POST ${path} failed: ${JSON.stringify(res.json)}`);
    return String(res.json[field]);
  }
  const workspaceId = await created("/v1/admin/workspaces", { name: "e2e" }, "id");
  const createKey = (fields: TestKeyFields) => created("/v1/api-keys", { workspace_id: workspaceId, ...fields }, "key");
  const apiKey = await createKey({ name: "e2e", scopes: ["completions", "admin", "analytics", "logs"] });
  return Object.assign(runtime, {
    dataDir,
    apiKey,
    workspaceId,
    admin,
    createWorkspace: (fields: { readonly name: string } & Record<string, unknown>) =>
      created("/v1/admin/workspaces", fields, "id"),
    createKey,
    createVirtualKey: (fields: TestVirtualKeyFields) =>
      created("/v1/virtual-keys", { provider: "openai", workspace_id: workspaceId, ...fields }, "slug"),
    loggedText: async () => {
      await runtime.logSink.flush();
      const root = join(dataDir, "logs");
      const files = (await readdir(root, { recursive: true }).catch(() => [])).filter((f) => f.endsWith(".ndjson"));
      return (await Promise.all(files.sort().map((f) => readFile(join(root, f), "utf8")))).join("");
    },
    stop: async () => {
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}

/** The local runtime with an OpenAI fake behind it: `slug` is a virtual key of the test workspace for the fake. */
export interface GatewayWithUpstream {
  readonly gateway: TestGateway;
  readonly fake: OpenAIFake;
  readonly slug: string;
  stop(): Promise<void>;
}

export async function startGatewayWithUpstream(options: {
  /** The key the fake accepts, stored in the virtual key. */
  readonly providerKey: string;
  /** The virtual key's name. */
  readonly name: string;
  readonly fake?: Omit<OpenAIFakeOptions, "apiKey">;
  readonly gateway?: TestGatewayOptions;
}): Promise<GatewayWithUpstream> {
  const fake = await startOpenAIFake({ ...options.fake, apiKey: options.providerKey });
  const gateway = await startTestGateway(options.gateway);
  const slug = await gateway.createVirtualKey({
    name: options.name,
    key: options.providerKey,
    custom_host: fake.baseUrl,
  });
  return {
    gateway,
    fake,
    slug,
    stop: async () => {
      await gateway.stop();
      await fake.close();
    },
  };
}

/**
 * Registers the hooks of a file or `describe` block around `startGatewayWithUpstream`: before all, start; before
 * each test, the fake forgets what it recorded and its faults; after all, stop. The returned object is filled in
 * by the time the first test runs.
 */
export function useGatewayWithUpstream(options: Parameters<typeof startGatewayWithUpstream>[0]): GatewayWithUpstream {
  const env: { -readonly [K in keyof GatewayWithUpstream]?: GatewayWithUpstream[K] } = {};
  beforeAll(async () => {
    Object.assign(env, await startGatewayWithUpstream(options));
  });
  beforeEach(() => env.fake?.reset());
  afterAll(() => env.stop?.());
  return env as GatewayWithUpstream;
}
