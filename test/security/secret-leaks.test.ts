import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, startFakeServer } from "../fakes/fake-server";
import { type Arena, CHAT, KEYED_UPSTREAM, startArena } from "./arena";

/**
 * Secret leaks into the request log: an attacker with a completions key, and an upstream that echoes whatever
 * credential it received (in the answer, in an error message). Provider keys behind virtual keys have no
 * recognisable shape (an Azure key is 32 hex digits), so the log must know them; the attacker's own gateway key
 * sent in a body or metadata must not be logged either. The NDJSON log files are read as written.
 */
let bench: Arena;
let echo: FakeServer;
/** When true the echo upstream answers 401 with the credential in the error message. */
let refuse = false;

const OPENAI_VK_SECRET = `vk-openai-${randomBytes(20).toString("hex")}`;
const AZURE_VK_SECRET = randomBytes(16).toString("hex");
const HEADER_PROVIDER_KEY = `plain-${randomBytes(16).toString("hex")}`;

/** What the echo says back: the bare credential (no `Bearer ` prefix to give it away). */
function credentialOf(headers: Record<string, string | string[] | undefined>): string {
  const token = String(headers.authorization ?? "").replace(/^Bearer /, "");
  return `token=${token} api-key=${String(headers["api-key"] ?? "")}`;
}

beforeAll(async () => {
  bench = await startArena(KEYED_UPSTREAM);
  echo = await startFakeServer(({ req, res }) => {
    const said = credentialOf(req.headers);
    res.setHeader("content-type", "application/json");
    if (refuse) {
      res.statusCode = 401;
      res.end(
        JSON.stringify({ error: { message: `Incorrect API key provided: ${said}`, type: "invalid_request_error" } }),
      );
      return;
    }
    res.end(
      JSON.stringify({
        id: "chatcmpl-echo",
        object: "chat.completion",
        created: 1,
        model: "gpt-4o-mini",
        choices: [{ index: 0, message: { role: "assistant", content: `you sent ${said}` }, finish_reason: "stop" }],
        usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
      }),
    );
  });
});
afterAll(async () => {
  await bench.stop();
  await echo.close();
});

describe("secrets never reach the request log", () => {
  it("an upstream echoing a virtual key's secret (OpenAI and Azure), in answers and error messages", async () => {
    // Prepare
    const openaiVk = await bench.gateway.createVirtualKey({
      name: "echo-openai",
      provider: "openai",
      key: OPENAI_VK_SECRET,
      custom_host: `${echo.origin}/v1`,
    });
    const azureVk = await bench.gateway.createVirtualKey({
      name: "echo-azure",
      provider: "azure-openai",
      key: AZURE_VK_SECRET,
      resource_name: "r",
      deployment_name: "d",
      api_version: "2024-10-21",
      custom_host: `${echo.origin}/openai`,
    });

    // Act
    refuse = false;
    const answered = [
      await bench.post("/v1/chat/completions", { ...CHAT, model: `@${openaiVk}/gpt-4o-mini` }),
      await bench.post("/v1/chat/completions", CHAT, { "x-portkey-virtual-key": azureVk }),
    ];
    refuse = true;
    const refused = [
      await bench.post("/v1/chat/completions", { ...CHAT, model: `@${openaiVk}/gpt-4o-mini` }),
      await bench.post("/v1/chat/completions", CHAT, { "x-portkey-virtual-key": azureVk }),
    ];
    refuse = false;

    // Assess
    expect(answered.map((r) => r.status)).toEqual([200, 200]);
    expect(answered[0]?.text).toContain(OPENAI_VK_SECRET); // the upstream did echo it (to the client, its choice)
    expect(answered[1]?.text).toContain(AZURE_VK_SECRET);
    expect(refused.map((r) => r.status)).toEqual([401, 401]);
    const log = await bench.gateway.loggedText();
    expect(log).toContain("you sent"); // bodies are logged...
    expect(log).toContain("Incorrect API key provided"); // ...and error messages...
    expect(log).not.toContain(OPENAI_VK_SECRET); // ...without the secrets
    expect(log).not.toContain(AZURE_VK_SECRET);
  });

  it("a provider key sent in the Authorization header and echoed back", async () => {
    // Act
    const res = await bench.post("/v1/chat/completions", CHAT, {
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": `${echo.origin}/v1`,
      authorization: `Bearer ${HEADER_PROVIDER_KEY}`,
    });

    // Assess
    expect(res.status).toBe(200);
    expect(res.text).toContain(HEADER_PROVIDER_KEY);
    expect(await bench.gateway.loggedText()).not.toContain(HEADER_PROVIDER_KEY);
  });

  it("the attacker's gateway key (both halves) in the body and the metadata", async () => {
    // Prepare
    const key = bench.attackerKey;
    const secretHalf = key.slice(key.indexOf(".") + 1);
    const body = { ...CHAT, messages: [{ role: "user", content: `line one\n${key}` }], user: key };

    // Act
    const res = await bench.post("/v1/chat/completions", body, {
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": `${echo.origin}/v1`,
      authorization: `Bearer ${HEADER_PROVIDER_KEY}`,
      "x-portkey-metadata": JSON.stringify({ note: `mine: ${key}` }),
    });

    // Assess
    expect(res.status).toBe(200);
    const log = await bench.gateway.loggedText();
    expect(log).toContain("line one");
    expect(log).not.toContain(secretHalf);
  });
});
