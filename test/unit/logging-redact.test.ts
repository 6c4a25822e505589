import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateGatewayKey, generateRootKey } from "../../shared/auth/gateway-key";
import { KnownSecrets } from "../../shared/core/known-secrets";
import { toRecord } from "../../shared/logging/record-builder";
import { requestLogRecordSchema } from "../../shared/logging/record-schema";
import { REDACTED, redactSecrets } from "../../shared/logging/redact";
import { requestSummary } from "../support/request-summary";

/** Deterministic filler in a key's alphabet. */
function chars(n: number, alphabet = "A1b2C3d4E5f6G7h8J9k0"): string {
  let out = "";
  for (let i = 0; i < n; i++) out += alphabet[(i * 7) % alphabet.length];
  return out;
}

/** One example of every key shape the redactor knows, as real keys look. */
const KEYS: Readonly<Record<string, string>> = {
  "gateway key": generateGatewayKey().key,
  "root key": generateRootKey(),
  "OpenAI sk-": `sk-${chars(48)}`,
  "OpenAI sk-proj-": `sk-proj-${chars(40)}_${chars(20)}-${chars(60)}`,
  "Anthropic sk-ant-": `sk-ant-api03-${chars(40)}-${chars(40)}_${chars(11)}AA`,
  "xAI xai-": `xai-${chars(80)}`,
  "GitHub ghp_": `ghp_${chars(36)}`,
  "GitHub github_pat_": `github_pat_11${chars(20)}_${chars(59)}`,
  "Hugging Face hf_": `hf_${chars(34)}`,
  "Stripe pk_live_": `pk_live_${chars(24)}`,
  "Stripe sk_live_": `sk_live_${chars(24)}`,
  "AWS AKIA": `AKIA${chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`,
  "Groq gsk_": `gsk_${chars(52)}`,
  "Google AIza": `AIza${chars(35, "0123456789abcdefABCDEF_-")}`,
};

/** Ways a key sits inside a JSON request or response body. */
const PLACEMENTS: Readonly<Record<string, (key: string) => string>> = {
  "a whole string value": (k) => JSON.stringify({ messages: [{ role: "user", content: k }] }),
  "prose with spaces": (k) => JSON.stringify({ content: `my key is ${k}, keep it safe` }),
  "after an escaped newline": (k) => JSON.stringify({ content: `line one\n${k}` }),
  "after an escaped tab": (k) => JSON.stringify({ content: `key:\t${k}` }),
  "after an escaped quote": (k) => JSON.stringify({ content: `"${k}"` }),
  "in parentheses": (k) => JSON.stringify({ error: { message: `Incorrect API key provided (${k}).` } }),
};

/** The parts of a key that must not survive: the whole key, and each half of a gateway key. */
function fragments(key: string): string[] {
  const parts = [key, key.slice(-16)];
  const dot = key.indexOf(".");
  if (key.startsWith("pk-gw-") && dot > 0) parts.push(key.slice(dot + 1), key.slice(6, dot));
  return parts;
}

describe("redaction of well-known key shapes inside JSON bodies", () => {
  for (const [name, key] of Object.entries(KEYS)) {
    it.each(Object.entries(PLACEMENTS))(`${name} as %s`, (_placement, place) => {
      // Prepare
      const text = place(key);

      // Act
      const out = redactSecrets(text);

      // Assess
      for (const fragment of fragments(key)) expect(out).not.toContain(fragment);
      expect(out).toContain(REDACTED);
      expect(() => JSON.parse(out)).not.toThrow();
    });
  }

  it("stays linear on hostile text (a field name made of secret-like words, runs of escapes and prefixes)", () => {
    // Prepare: ~32 KiB each, the most of a body the log keeps
    const inputs = [
      `{"${"apikey".repeat(5_400)}" x}`,
      `{"a":"${"\\n".repeat(16_000)}"}`,
      "sk-".repeat(10_000),
      "Bearer ".repeat(4_600),
    ];

    // Act
    const started = performance.now();
    for (const input of inputs) redactSecrets(input);
    const elapsed = performance.now() - started;

    // Assess
    expect(elapsed).toBeLessThan(60);
  });

  it("still redacts JSON fields named like secrets", () => {
    const text = '{"openai_api_key": "abc", "Authorization":"xyz", "client_secret" : "s3", "keep":"me"}';
    expect(redactSecrets(text)).toBe(
      `{"openai_api_key": "${REDACTED}", "Authorization":"${REDACTED}", "client_secret" : "${REDACTED}", "keep":"me"}`,
    );
  });

  it("redacts a field named by each secret word in any case, alone in a body (the field pattern's pre-check)", () => {
    const names = [
      "api_key",
      "API-KEY",
      "apikey",
      "x-portkey-api-key",
      "authorization",
      "Password",
      "PASSWD",
      "client_secret",
      "access_token",
      "refresh-token",
      "private_key",
      "AWS_SECRET_ACCESS_KEY",
    ];
    for (const name of names) {
      const text = `data: {"${name}":"hunter2-value","delta":{"content":"hi"}}\n\n`;
      expect(redactSecrets(text), name).toBe(`data: {"${name}":"${REDACTED}","delta":{"content":"hi"}}\n\n`);
    }
  });

  it("leaves ordinary words that share a prefix alone", () => {
    const text = JSON.stringify({
      content: "risk-management-framework-overview, task-1234567890abcdefgh, ask-the-expert-session-notes",
    });
    expect(redactSecrets(text)).toBe(text);
  });
});

/** A registry holding `filler` unrelated secrets, so both search paths (a few secrets, many) are exercised. */
function registry(filler: number, capacity = 1_000): KnownSecrets {
  const secrets = new KnownSecrets(capacity);
  for (let i = 0; i < filler; i++) secrets.add(`filler-${String(i).padStart(6, "0")}-zzzzzzzz`);
  return secrets;
}

describe.each([
  ["a few secrets", 0],
  ["many secrets", 200],
])("known secrets (the process registry), %s", (_name, filler) => {
  it("redacts every occurrence of a registered secret, whatever its shape, and nothing else", () => {
    // Prepare
    const secrets = registry(filler);
    const azureKey = "0123456789abcdef0123456789abcdef";
    secrets.add(azureKey);
    const text = JSON.stringify({ error: { message: `Access denied for key ${azureKey}; retry with ${azureKey}x` } });

    // Act
    const out = secrets.redact(text, REDACTED);

    // Assess
    expect(out).not.toContain(azureKey);
    expect(out.split(REDACTED)).toHaveLength(3);
    expect(secrets.redact("0123456789abcdef not the key", REDACTED)).toBe("0123456789abcdef not the key");
  });

  it("finds a secret at the very start and the very end, and overlapping ones, preferring the longest", () => {
    const secrets = registry(filler);
    secrets.add("abcdefghijklmnop");
    secrets.add("abcdefghijklmnopqrstuvwx");
    expect(secrets.redact("abcdefghijklmnopqrstuvwxabcdefghijklmnop!", "#")).toBe("##!");
    expect(secrets.redact("xabcdefghijklmnop", "#")).toBe("x#");
    expect(secrets.redact("abcdefghijklmnop", "#")).toBe("#");
  });

  it("agrees with a plain substring search on random text (property)", () => {
    const secrets = registry(filler);
    const known = ["K3y-Alpha-0123456789", "k3y/beta+SECRET==xy", "zzzzzzzzzzzzzzzz"];
    for (const k of known) secrets.add(k);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 12 })), { maxLength: 12 }),
        (parts) => {
          const text = parts.join("");
          const out = secrets.redact(text, "\u0000");
          for (const k of known) expect(out.includes(k)).toBe(false);
          expect(out.replaceAll("\u0000", "").length).toBeLessThanOrEqual(text.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("known secrets: bounds", () => {
  it("ignores secrets too short to be told from ordinary text", () => {
    const secrets = new KnownSecrets(10);
    secrets.add("ollama");
    expect(secrets.redact("served by ollama", REDACTED)).toBe("served by ollama");
  });

  it("is bounded: past its capacity the least recently added secret is forgotten", () => {
    // Prepare
    const secrets = new KnownSecrets(2);
    const [a, b, c] = ["secret-aaaaaaaaaaaa", "secret-bbbbbbbbbbbb", "secret-cccccccccccc"];

    // Act
    secrets.add(a);
    secrets.add(b);
    secrets.add(a); // refreshed: b is now the oldest
    secrets.add(c);

    // Assess
    expect(secrets.size).toBe(2);
    expect(secrets.redact(`${a} ${b} ${c}`, "#")).toBe(`# ${b} #`);
  });
});

describe("the log record", () => {
  it("redacts metadata, user, error messages and attempt errors, not only bodies", () => {
    // Prepare
    const gatewayKey = generateGatewayKey().key;
    const providerKey = `sk-proj-${chars(60)}`;
    const finished = requestSummary({
      traceId: `trace-${gatewayKey}`,
      workspaceId: "ws",
      status: 401,
      logBodies: true,
      metadata: { note: `key ${gatewayKey}`, env: "prod" },
      user: providerKey,
      // headers the record keeps: a provider key pasted as the virtual key or the trace id
      virtualKey: providerKey,
      attempts: [
        { provider: "openai", status: 401, latencyMs: 1, error: `Incorrect API key provided: ${providerKey}` },
      ],
      error: {
        error: {
          message: `Incorrect API key provided: ${providerKey}`,
          type: "authentication_error",
          param: null,
          code: null,
        },
      },
    });

    // Act
    const built = toRecord(finished, { id: "row-1" });

    // Assess
    const record = requestLogRecordSchema.parse(built);
    const line = JSON.stringify(record);
    for (const fragment of [...fragments(gatewayKey), providerKey]) expect(line).not.toContain(fragment);
    expect(record.metadata.env).toBe("prod");
  });
});
