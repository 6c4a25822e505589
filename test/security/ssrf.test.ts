import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_TABLE_NAME } from "../../shared/aws/local-control-plane";
import {
  type Arena,
  CHAT,
  type ConnectionCounter,
  countRequestsOnPort,
  startArena,
  startConnectionCounter,
} from "./arena";

/**
 * SSRF: the attacker picks custom hosts and provider options that end up in the upstream URL. The gateway's own
 * listeners (HTTP port, embedded DynamoDB) are never an upstream, whatever the allowlist admits; every final URL
 * passes the guard; provider options that build a host are validated.
 */
let arena: Arena;
let dynamoPort: number;
let gatewayPort: number;
let counter: ConnectionCounter;

beforeAll(async () => {
  arena = await startArena();
  dynamoPort = Number(new URL(arena.gateway.dynamoEndpoint).port);
  gatewayPort = Number(new URL(arena.gateway.url).port);
  counter = await startConnectionCounter();
});

afterAll(async () => {
  await counter?.close();
  await arena?.stop();
});

/** A DynamoDB Scan of the control-plane table, sent through the `ollama` provider as the issue reproduced it. */
function scanThrough(host: string) {
  return arena.call(
    {
      "x-portkey-provider": "ollama",
      "x-portkey-custom-host": host,
      "x-portkey-forward-headers": "x-amz-target,authorization,x-amz-date",
      "x-amz-target": "DynamoDB_20120810.Scan",
      authorization:
        "AWS4-HMAC-SHA256 Credential=local/20250101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=00",
      "x-amz-date": "20250101T000000Z",
    },
    // a valid chat body (else request validation refuses it first) carrying DynamoDB's Scan fields
    { ...CHAT, TableName: LOCAL_TABLE_NAME, Limit: 10 },
  );
}

describe("the gateway's own listeners are never an upstream", () => {
  it("the embedded DynamoDB cannot be scanned: 400 custom_host_forbidden and DynamoDB sees no request", async () => {
    const dynamo = countRequestsOnPort(dynamoPort);
    try {
      const reply = await scanThrough(`http://127.0.0.1:${dynamoPort}/x`);
      expect(reply.status).toBe(400);
      expect(reply.json.error?.code).toBe("custom_host_forbidden");
      expect(JSON.stringify(reply.json)).not.toContain("Items");
      expect(dynamo.requests.filter((r) => r.includes("/x"))).toEqual([]);
    } finally {
      dynamo.stop();
    }
  });

  const spellings = [
    (port: number) => `http://localhost:${port}/x`,
    (port: number) => `http://LOCALHOST.:${port}/x`,
    (port: number) => `http://127.0.0.2:${port}/x`,
    (port: number) => `http://[::1]:${port}/x`,
    (port: number) => `http://0.0.0.0:${port}/x`,
    (port: number) => `http://2130706433:${port}/x`,
    (port: number) => `http://0x7f.0.0.1:${port}/x`,
    (port: number) => `http://0177.0.0.1:${port}/x`,
    (port: number) => `http://[::ffff:127.0.0.1]:${port}/x`,
    (port: number) => `http://[::127.0.0.1]:${port}/x`,
  ];

  it.each(spellings.map((spell, i) => [i, spell] as const))(
    "refuses spelling #%i of the DynamoDB and gateway ports with a 400, before any request",
    async (_i, spell) => {
      const dynamo = countRequestsOnPort(dynamoPort);
      const gateway = countRequestsOnPort(gatewayPort);
      try {
        for (const port of [dynamoPort, gatewayPort]) {
          const reply = await scanThrough(spell(port));
          expect(reply.status, `${spell(port)}: ${JSON.stringify(reply.json)}`).toBe(400);
          expect(reply.json.error?.code).toBe("custom_host_forbidden");
        }
        expect(dynamo.requests.filter((r) => r.includes("/x"))).toEqual([]);
        // the two attacker calls themselves, nothing the gateway sent to itself
        expect(gateway.requests).toHaveLength(2);
      } finally {
        dynamo.stop();
        gateway.stop();
      }
    },
  );

  it("still admits a model server of the operator's on loopback (the local default), on any other port", async () => {
    const reply = await arena.call({ "x-portkey-provider": "ollama", "x-portkey-custom-host": arena.attacker.origin });
    expect(reply.status).toBe(200);
  });
});

describe("provider options never build a host", () => {
  it("refuses a Bedrock region that rewrites the host (header), before connecting", async () => {
    const reply = await arena.call({
      "x-portkey-provider": "bedrock",
      "x-portkey-aws-region": `x@127.0.0.1:${counter.port}/#`,
      authorization: "Bearer bedrock-api-key",
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error?.code).toBe("invalid_provider_option");
    expect(reply.json.error?.param).toBe("awsRegion");
    expect(counter.connections).toBe(0);
  });

  it("refuses a Bedrock region that rewrites the host (config aws_region), before connecting", async () => {
    const config = { provider: "bedrock", api_key: "bedrock-api-key", aws_region: `x@127.0.0.1:${counter.port}/#` };
    const reply = await arena.call({ "x-portkey-config": JSON.stringify(config) });
    expect(reply.status).toBe(400);
    expect(counter.connections).toBe(0);
  });

  it.each([
    ["x-portkey-azure-resource-name", `x@127.0.0.1:${0}/#`, "resourceName"],
    ["x-portkey-azure-resource-name", "evil.example.com#", "resourceName"],
    ["x-portkey-azure-deployment-id", "..", "deploymentId"],
    ["x-portkey-azure-api-version", "2024-10-21&x=1", "apiVersion"],
  ])("refuses the Azure option %s = %s with a 400 naming it", async (header, value, param) => {
    const reply = await arena.call({
      "x-portkey-provider": "azure-openai",
      authorization: "Bearer azure-key",
      "x-portkey-azure-resource-name": "victim",
      "x-portkey-azure-deployment-id": "gpt4o",
      "x-portkey-azure-api-version": "2024-10-21",
      [header]: value.replace(":0/", `:${counter.port}/`),
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error?.code).toBe("invalid_provider_option");
    expect(reply.json.error?.param).toBe(param);
    expect(counter.connections).toBe(0);
  });
});

describe("addresses that embed a forbidden IPv4 address", () => {
  it.each([
    "http://[64:ff9b::a9fe:a9fe]/v1", // NAT64 of 169.254.169.254
    "http://[64:ff9b:1::a00:1]/v1", // local-use NAT64
    "http://[2002:a9fe:a9fe::1]/v1", // 6to4 of 169.254.169.254
    "http://[::a9fe:a9fe]/v1", // IPv4-compatible 169.254.169.254
    "http://[::ffff:a9fe:a9fe]/v1", // IPv4-mapped
  ])("refuses %s with a 400", async (host) => {
    const reply = await arena.call({
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": host,
      "x-portkey-request-timeout": "2000",
      authorization: "Bearer sk-attacker",
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error?.code).toBe("custom_host_forbidden");
  });
});
