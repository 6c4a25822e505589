import { Agent } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll } from "vitest";
import { ensureTable } from "../../shared/aws/dynamo-table";
import { motoClientConfig } from "../support/aws-env";

/**
 * Test support for the limits and cache suites: an in-process dynalite on a random loopback port. The table is the
 * deployment's own (`ensureTable` from shared/aws/dynamo-table.ts, re-exported for the suites).
 */
export { ensureTable };

interface DynaliteServer {
  listen(port: number, host: string, cb: () => void): void;
  address(): AddressInfo | string | null;
  close(cb: (err?: Error) => void): void;
}

type DynaliteFactory = (opts: {
  createTableMs: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => DynaliteServer;

export interface RunningDynalite {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** In-memory dynalite on 127.0.0.1:<random>; `stop()` closes it (call it in afterAll). */
export async function startDynalite(): Promise<RunningDynalite> {
  const dynalite = createRequire(import.meta.url)("dynalite") as DynaliteFactory;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return {
    client,
    endpoint,
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

export interface Backend {
  readonly name: string;
  client: () => DynamoDBClient;
}

/**
 * Registers the suite's hooks and returns both DynamoDB backends with `table` created: moto_server and dynalite.
 *
 * moto_server's DynamoDB has no per-item lock: two concurrent conditional updates of one item can both pass their
 * condition (seen here: settles applied twice), and it sometimes answers 500 after applying an update
 * ("dictionary changed size during iteration"). Real DynamoDB serialises writes to an item, so against moto the
 * wire carries one request at a time (maxSockets 1) while the flows under test still interleave freely.
 * dynalite locks per item and gets the full concurrency.
 */
export function useLimitBackends(table: string): Backend[] {
  let dyn: RunningDynalite | undefined;
  let moto: DynamoDBClient | undefined;
  beforeAll(async () => {
    moto = new DynamoDBClient({
      ...motoClientConfig(),
      maxAttempts: 6,
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }) },
    });
    await ensureTable(moto, table);
    dyn = await startDynalite();
    await ensureTable(dyn.client, table);
  });
  afterAll(async () => {
    moto?.destroy();
    await dyn?.stop();
  });
  return [
    { name: "moto_server", client: () => moto as DynamoDBClient },
    { name: "dynalite", client: () => (dyn as RunningDynalite).client },
  ];
}
