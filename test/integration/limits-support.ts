import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ensureTable } from "../../shared/aws/dynamo-table";

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
