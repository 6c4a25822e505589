import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalControlPlane, type LocalControlPlane } from "../../shared/aws/local-control-plane";
import { type LocalDynamo, startLocalDynamo } from "../../shared/store/local-dynamo";
import { bodyText, coreRequest } from "../support/core-http";

export const ROOT_KEY = "pk-root-integration-test-root-key-000000000000";

/** A local control plane on in-memory dynalite with a temp data dir, plus helpers to call its admin core. */
export interface ControlHarness {
  readonly plane: LocalControlPlane;
  readonly dynamo: LocalDynamo;
  readonly dataDir: string;
  /** Every response body seen by `call` (for secret scans). */
  readonly bodies: string[];
  call(
    method: string,
    path: string,
    key: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; text: string }>;
  close(): Promise<void>;
}

export async function startControlHarness(logLines: string[] = []): Promise<ControlHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), "gw-control-"));
  const dynamo = await startLocalDynamo();
  const plane = await createLocalControlPlane({
    dataDir,
    dynamoEndpoint: dynamo.endpoint,
    adminKey: ROOT_KEY,
    logger: { error: (message, details) => logLines.push(JSON.stringify({ message, ...details })) },
  });
  const bodies: string[] = [];
  return {
    plane,
    dynamo,
    dataDir,
    bodies,
    async call(method, path, key, body) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (key !== undefined) headers["x-portkey-api-key"] = key;
      const res = await plane.adminCore(coreRequest(method, path, headers, body));
      const text = await bodyText(res);
      bodies.push(text);
      return { status: res.status, json: JSON.parse(text) as unknown, text };
    },
    async close() {
      plane.close();
      await dynamo.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function field(value: unknown, name: string): unknown {
  return isRecord(value) ? value[name] : undefined;
}

export function text(value: unknown, name: string): string {
  const found = field(value, name);
  if (typeof found !== "string") throw new Error(`Expected string field ${name} in ${JSON.stringify(value)}`);
  return found;
}
