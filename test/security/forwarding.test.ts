import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RecordedRequest } from "../fakes/fake-server";
import { type Arena, startArena } from "./arena";

/**
 * Header forwarding: the attacker chooses which request headers go upstream (`x-portkey-forward-headers`, a
 * config's `forward_headers`) to a host it controls. Gateway credentials and `x-portkey-*` headers never leave;
 * hop-by-hop headers are dropped; values with control characters are a 400 before any upstream call.
 */
let arena: Arena;

beforeAll(async () => {
  arena = await startArena();
});

afterAll(async () => {
  await arena?.stop();
});

beforeEach(() => arena.attacker.reset());

const ASK_FOR_EVERYTHING = [
  "authorization",
  "x-portkey-api-key",
  "x-portkey-config",
  "x-portkey-provider",
  "x-portkey-custom-host",
  "x-portkey-forward-headers",
  "x-portkey-metadata",
  "x-leak",
  "cookie",
].join(",");

function onlyRequest(): RecordedRequest {
  expect(arena.attacker.requests).toHaveLength(1);
  return arena.attacker.requests[0] as RecordedRequest;
}

/** Header names the upstream received that carry a gateway credential or are the gateway's own. */
function leaked(request: RecordedRequest): string[] {
  return Object.entries(request.headers)
    .filter(([name, value]) => {
      const text = String(value);
      return (
        text.includes("pk-gw-") ||
        text.includes("pk-root-") ||
        (name.startsWith("x-portkey-") && name !== "x-portkey-hop")
      );
    })
    .map(([name]) => name);
}

describe("gateway credentials and x-portkey-* headers are never forwarded", () => {
  it("drops the gateway key sent as Authorization: Bearer, whatever x-portkey-forward-headers asks", async () => {
    const reply = await arena.call({
      authorization: `Bearer ${arena.attackerKey}`,
      "x-portkey-api-key": "",
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": arena.attacker.baseUrl,
      "x-portkey-metadata": '{"a":"b"}',
      "x-portkey-forward-headers": ASK_FOR_EVERYTHING,
      "x-leak": arena.attackerKey,
      cookie: `session=${arena.attackerKey}`,
    });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect(leaked(onlyRequest())).toEqual([]);
  });

  it("drops them when a config's forward_headers asks", async () => {
    const config = {
      provider: "openai",
      api_key: "sk-attacker",
      custom_host: arena.attacker.baseUrl,
      forward_headers: ASK_FOR_EVERYTHING.split(","),
    };
    const reply = await arena.call({
      "x-portkey-config": JSON.stringify(config),
      "x-leak": `Bearer ${arena.attackerKey}`,
    });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    const request = onlyRequest();
    expect(leaked(request)).toEqual([]);
    expect(request.headers.authorization).toBe("Bearer sk-attacker");
  });

  it("refuses a gateway key given as a config target's provider key, before any upstream call", async () => {
    const config = { provider: "openai", api_key: arena.attackerKey, custom_host: arena.attacker.baseUrl };
    const reply = await arena.call({ "x-portkey-config": JSON.stringify(config) });
    expect(reply.status).toBe(400);
    expect(reply.json.error?.code).toBe("gateway_key_not_forwardable");
    expect(JSON.stringify(reply.json)).not.toContain(arena.attackerKey);
    expect(arena.attacker.requests).toHaveLength(0);
  });
});

describe("hop-by-hop headers and bad header values", () => {
  it("answers 200 and drops hop-by-hop headers instead of failing upstream", async () => {
    const reply = await arena.call({
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": arena.attacker.baseUrl,
      authorization: "Bearer sk-attacker",
      "x-portkey-forward-headers":
        "expect,upgrade,keep-alive,te,trailer,proxy-authorization,proxy-connection,connection,x-listed,x-kept",
      expect: "100-continue",
      upgrade: "websocket",
      "keep-alive": "timeout=5",
      te: "trailers",
      trailer: "x-kept",
      "proxy-authorization": "Basic eDp5",
      "proxy-connection": "keep-alive",
      connection: "keep-alive, x-listed",
      "x-listed": "hop",
      "x-kept": "end-to-end",
    });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    const { headers } = onlyRequest();
    for (const name of ["expect", "upgrade", "te", "trailer", "proxy-authorization", "proxy-connection", "x-listed"]) {
      expect(headers[name], name).toBeUndefined();
    }
    expect(headers["x-kept"]).toBe("end-to-end");
  });

  it.each([
    ["anthropic_version", "2023-06-01\r\nx-injected: 1"],
    ["anthropic_beta", "tools\u0000"],
    ["anthropic_beta", "a\nb"],
  ])("refuses a control character in the option %s with a 400 invalid_header_value", async (option, value) => {
    const config = { provider: "anthropic", api_key: "sk-ant", custom_host: arena.attacker.baseUrl, [option]: value };
    const reply = await arena.call({ "x-portkey-config": JSON.stringify(config) });
    expect(reply.status, JSON.stringify(reply.json)).toBe(400);
    expect(reply.json.error?.code).toBe("invalid_header_value");
    expect(arena.attacker.requests).toHaveLength(0);
  });
});
