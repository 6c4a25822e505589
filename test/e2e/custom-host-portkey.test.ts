import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { describe, expect, it } from "vitest";
import { type CohereFake, startCohereFake } from "../fakes/cohere-fake";
import { type GoogleFake, startGoogleFake } from "../fakes/google-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";
import { useStarted } from "../support/started";

/**
 * A Portkey config moves over unchanged: `custom_host` for google and cohere is the origin, as in Portkey's gateway,
 * which adds the API version itself (docs/providers.md, "Custom hosts"). The same holds for a virtual key's custom
 * host, and a host written the former way (with the version) still reaches the same URL.
 */
const GOOGLE_KEY = "google-fake-key";
const COHERE_KEY = "cohere-fake-key";
const MESSAGES = [{ role: "user" as const, content: "hello there" }];

let google: GoogleFake;
let cohere: CohereFake;
let gateway: TestGateway;

useStarted(async () => {
  google = await startGoogleFake({ apiKey: GOOGLE_KEY });
  cohere = await startCohereFake({ apiKey: COHERE_KEY });
  gateway = await startTestGateway();
  return [google, cohere, gateway];
});

describe("custom hosts with Portkey's meaning", () => {
  it("a portkey-ai config with google and custom_host = the origin reaches /v1beta/models/...", async () => {
    // Prepare
    const portkey = new Portkey({
      apiKey: gateway.apiKey,
      baseURL: `${gateway.url}/v1`,
      config: { provider: "google", api_key: GOOGLE_KEY, custom_host: google.origin },
    });
    google.reset();

    // Act
    const res = await portkey.chat.completions.create({ model: "gemini-2.0-flash", messages: MESSAGES });

    // Assess
    expect(res.choices?.[0]?.message?.content).toBe("You said: hello there");
    expect(google.requests.map((r) => r.path)).toEqual(["/v1beta/models/gemini-2.0-flash:generateContent"]);
  });

  it("a cohere virtual key whose custom host is the origin reaches /v2/chat (openai SDK, @slug/model)", async () => {
    // Prepare
    const slug = await gateway.createVirtualKey({
      name: "cohere-origin",
      provider: "cohere",
      key: COHERE_KEY,
      custom_host: cohere.origin,
    });
    const client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    cohere.reset();

    // Act
    const res = await client.chat.completions.create({ model: `@${slug}/command-a-03-2025`, messages: MESSAGES });

    // Assess
    expect(res.choices[0]?.message.content).toBe("You said: hello there");
    expect(cohere.requests.map((r) => r.path)).toEqual(["/v2/chat"]);
  });

  it("a host written with the version (the former meaning) reaches the same URL", async () => {
    // Prepare
    const client = new OpenAI({
      apiKey: GOOGLE_KEY,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-provider": "google",
        "x-portkey-custom-host": google.baseUrl,
      },
    });
    google.reset();

    // Act
    const res = await client.chat.completions.create({ model: "gemini-2.0-flash", messages: MESSAGES });

    // Assess
    expect(res.choices[0]?.message.content).toBe("You said: hello there");
    expect(google.requests.map((r) => r.path)).toEqual(["/v1beta/models/gemini-2.0-flash:generateContent"]);
  });
});
