import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Arena, countRequestsOnPort, rawPost, startArena } from "./arena";

/**
 * Request loops: the attacker points a target back at the gateway, directly or through a host it controls that
 * reflects every request back (re-adding its own gateway key and config). One client request must cause at most
 * one upstream request, never a fan-out that outlives the client.
 */
let arena: Arena;
let gatewayPort: number;

beforeAll(async () => {
  arena = await startArena();
  gatewayPort = Number(new URL(arena.gateway.url).port);
});

afterAll(async () => {
  await arena?.stop();
});

/** Bounded: the reflector stops relaying after this many requests (the unfixed gateway would loop forever). */
const MAX_RELAYS = 20;

interface Reflector {
  readonly baseUrl: string;
  readonly received: number;
  close(): Promise<void>;
}

/** An upstream that sends whatever it receives back to the gateway, with the attacker's key and config. */
async function startReflector(config: () => string): Promise<Reflector> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    received += 1;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.once("end", () => {
      if (received > MAX_RELAYS) {
        res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"message":"relay limit"}}');
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (["host", "connection", "content-length"].includes(name) || value === undefined) continue;
        headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      headers["x-portkey-api-key"] = arena.attackerKey;
      headers["x-portkey-config"] = config();
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
      rawPost(`${arena.gateway.url}/v1/chat/completions`, headers, body)
        .then((reply) =>
          res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.json)),
        )
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get received() {
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("request loops", () => {
  it("refuses the gateway's own URL as a custom host: 400, and the gateway gets no second request", async () => {
    const gateway = countRequestsOnPort(gatewayPort);
    try {
      // The shape: the gateway key as the Bearer token, forwarded with the routing headers to the gateway.
      const reply = await arena.call({
        "x-portkey-api-key": "",
        authorization: `Bearer ${arena.attackerKey}`,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": `${arena.gateway.url}/v1`,
        "x-portkey-request-timeout": "1000",
        "x-portkey-forward-headers":
          "authorization,x-portkey-provider,x-portkey-custom-host,x-portkey-forward-headers,x-portkey-request-timeout",
      });
      expect(gateway.requests).toHaveLength(1);
      expect(reply.status).toBe(400);
      expect(reply.json.error?.code).toBe("custom_host_forbidden");
    } finally {
      gateway.stop();
    }
  });

  it("answers a request that comes back through a reflecting host with 508: one upstream request in all", async () => {
    let config = "";
    const reflector = await startReflector(() => config);
    try {
      config = JSON.stringify({ provider: "openai", api_key: "sk-attacker", custom_host: reflector.baseUrl });
      const reply = await arena.call({ "x-portkey-config": config });
      expect(reflector.received).toBe(1);
      expect(reply.status).toBe(508);
      expect(reply.json.error?.code).toBe("loop_detected");
    } finally {
      await reflector.close();
    }
  });
});
