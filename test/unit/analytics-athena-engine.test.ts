import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AthenaClient } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAthenaEngine } from "../../shared/aws/athena-engine";
import { GatewayError } from "../../shared/core/errors";

/**
 * The Athena engine with the real SDK client against a loopback stand-in for Athena's JSON API whose queries never
 * finish. A query the engine gives up on must be stopped: left running it keeps scanning (and billing) for up to
 * the workgroup's limits after the caller got its 504.
 */
let server: Server;
let endpoint: string;
const calls: { target: string; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "").replace("AmazonAthena.", "");
      calls.push({ target, body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") });
      res.setHeader("content-type", "application/x-amz-json-1.1");
      if (target === "StartQueryExecution") res.end(JSON.stringify({ QueryExecutionId: "q-1" }));
      else if (target === "GetQueryExecution") {
        res.end(JSON.stringify({ QueryExecution: { QueryExecutionId: "q-1", Status: { State: "RUNNING" } } }));
      } else res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("Athena engine", () => {
  it("stops a query it stops waiting for, and answers 504", async () => {
    // Prepare
    const client = new AthenaClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    const engine = createAthenaEngine({
      client,
      workGroup: "wg",
      database: "db",
      table: "t",
      timeoutMs: 200,
      pollDelayMs: 20,
    });

    // Act
    const err = await engine.query({ sql: "SELECT 1", params: [] }).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).statusCode).toBe(504);
    const stops = calls.filter((c) => c.target === "StopQueryExecution");
    expect(stops).toEqual([{ target: "StopQueryExecution", body: { QueryExecutionId: "q-1" } }]);
    client.destroy();
  });
});
