import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from "../../local/runtime";
import type { RequestObserver } from "../../shared/logging/request-summary";

export const TEST_ROOT_KEY = "pk-root-test-root-key-for-the-suite-0123456789";

export interface TestGateway extends LocalRuntime {
  readonly dataDir: string;
  /** A gateway key with every scope in `workspaceId`, for SDK clients (`x-portkey-api-key`). */
  readonly apiKey: string;
  readonly workspaceId: string;
  /** Calls the admin API as root. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** Starts the local runtime on a random loopback port with a throw-away data directory, a workspace and a key. */
export async function startTestGateway(
  options: Partial<
    Pick<
      LocalRuntimeOptions,
      "streamIdleTimeoutMs" | "logBodies" | "bounds" | "maxRequestBodyBytes" | "requestBodyTimeoutMs"
    >
  > & {
    observer?: RequestObserver;
  } = {},
): Promise<TestGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), "gateway-test-"));
  const runtime = await startLocalRuntime({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    customHostAllowlist: "loopback",
    adminKey: TEST_ROOT_KEY,
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
  const ws = await admin("POST", "/v1/admin/workspaces", { name: "e2e" });
  const workspaceId = String(ws.json.id);
  const key = await admin("POST", "/v1/api-keys", {
    name: "e2e",
    workspace_id: workspaceId,
    scopes: ["completions", "admin", "analytics", "logs"],
  });
  if (key.status !== 200 && key.status !== 201)
    throw new Error(`could not create a test key: ${JSON.stringify(key.json)}`);
  return Object.assign(runtime, {
    dataDir,
    apiKey: String(key.json.key),
    workspaceId,
    admin,
    stop: async () => {
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}
