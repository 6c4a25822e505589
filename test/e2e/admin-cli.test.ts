import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliOptions, runCli } from "../support/cli-process";
import { type GatewayWithUpstream, startGatewayWithUpstream, TEST_ROOT_KEY } from "../support/local-gateway";

const PROVIDER_KEY = "sk-proj-cli-provider-secret-0123456789abcdef";
const ROTATED_KEY = "sk-proj-cli-rotated-secret-fedcba9876543210";

type Json = Record<string, unknown>;

// Each step spawns the binary (about a second of Node and tsx start-up on a loaded machine): a generous bound.
describe("aigw, the admin CLI, run as a binary against the local runtime", { timeout: 90_000 }, () => {
  let env: GatewayWithUpstream;
  let home: string;
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    env = await startGatewayWithUpstream({ providerKey: PROVIDER_KEY, name: "cli-upstream" });
    home = await mkdtemp(join(tmpdir(), "aigw-home-"));
    // HOME and XDG_CONFIG_HOME point at a throw-away folder: the CLI never reads the real user's config.
    cliEnv = {
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      AIGW_URL: env.gateway.url,
      AIGW_API_KEY: TEST_ROOT_KEY,
    };
  });
  afterAll(async () => {
    await env?.stop();
    await rm(home, { recursive: true, force: true });
  });

  const aigw = (args: readonly string[], options: Partial<CliOptions> = {}) =>
    runCli(args, { ...options, env: { ...cliEnv, ...options.env } });
  const json = async (args: readonly string[], options: Partial<CliOptions> = {}): Promise<Json> => {
    const res = await aigw([...args, "--json"], options);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    return JSON.parse(res.stdout) as Json;
  };
  const file = async (name: string, text: string) => {
    const path = join(home, name);
    await writeFile(path, text);
    return path;
  };

  it("manages workspaces: create, list as a table and as JSON, get, update, delete", async () => {
    const created = await aigw(["workspaces", "create", "--name", "cli-team", "--description", "made by the CLI"]);
    expect(created.code).toBe(0);
    const id = /Created workspace (\S+) /.exec(created.stdout)?.[1] ?? "";
    expect(id).not.toBe("");

    const table = await aigw(["workspaces", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+DESCRIPTION\s+CREATED$/);
    expect(table.stdout).toContain("cli-team");
    const listed = await json(["workspaces", "list"]);
    expect((listed.data as Json[]).map((w) => w.id)).toContain(id);

    await json(["workspaces", "update", id, "--name", "cli-team-2"]);
    expect((await json(["workspaces", "get", id])).name).toBe("cli-team-2");
    expect((await aigw(["workspaces", "delete", id])).stdout).toBe(`Deleted workspace ${id}.\n`);
    const gone = await aigw(["workspaces", "get", id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error: .+ \(HTTP 404/);
  });

  it("creates a gateway key whose secret is printed once, then lists it masked, revokes and deletes it", async () => {
    const ws = env.gateway.workspaceId;
    const created = await json([
      "api-keys",
      "create",
      "--name",
      "ci",
      "--scopes",
      "completions,logs",
      "--workspace",
      ws,
    ]);
    expect(created.key).toMatch(/^pk-gw-/);
    const secret = String(created.key);
    const list = await aigw(["api-keys", "list", "--workspace", ws]);
    expect(list.stdout).toContain(String(created.id));
    expect(list.stdout).not.toContain(secret);
    expect((await json(["api-keys", "revoke", String(created.id)])).status).toBe("revoked");
    const models = await fetch(`${env.gateway.url}/v1/models`, { headers: { "x-portkey-api-key": secret } });
    expect(models.status).toBe(401);
    expect((await aigw(["api-keys", "delete", String(created.id)])).code).toBe(0);
  });

  it("stores a virtual key whose secret comes from stdin or a file, never argv, and never shows it", async () => {
    const ws = env.gateway.workspaceId;
    const args = ["virtual-keys", "create", "--name", "cli-vk", "--provider", "openai", "--secret-stdin"];
    const created = await aigw([...args, "--custom-host", env.fake.baseUrl, "--workspace", ws, "--json"], {
      stdin: `${PROVIDER_KEY}\n`,
    });
    expect(created.code).toBe(0);
    expect(created.argv.join(" ")).not.toContain(PROVIDER_KEY);
    expect(created.stdout + created.stderr).not.toContain(PROVIDER_KEY);
    const slug = String((JSON.parse(created.stdout) as Json).slug);

    // The stored secret works: a chat through the virtual key reaches the fake with exactly that key.
    const chat = await fetch(`${env.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-portkey-api-key": env.gateway.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ model: `@${slug}/gpt-4o-mini`, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(chat.status).toBe(200);

    const shown = await aigw(["virtual-keys", "get", slug, "--workspace", ws]);
    expect(shown.stdout).toMatch(/masked_api_key\s+\*\*\*\*cdef/);
    expect(shown.stdout).not.toContain(PROVIDER_KEY);

    const secretFile = await file("rotated.txt", `${ROTATED_KEY}\n`);
    const rotated = await aigw(["virtual-keys", "rotate", slug, "--secret-file", secretFile, "--workspace", ws]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toBe(`Rotated virtual key ${slug} (status active).\n`);
    expect((await json(["virtual-keys", "get", slug, "--workspace", ws])).masked_api_key).toBe("****3210");

    const noSecret = await aigw(["virtual-keys", "rotate", slug]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain("--secret-stdin or --secret-file");
    const inArgv = await aigw(["virtual-keys", "create", "--name", "x", "--provider", "openai", "--secret", "sk-x"]);
    expect(inArgv.code).toBe(2);
    expect(inArgv.stderr).toContain("unknown option '--secret'");

    expect((await json(["virtual-keys", "disable", slug, "--workspace", ws])).status).toBe("disabled");
    expect((await aigw(["usage", "virtual-key", slug, "--workspace", ws])).code).toBe(0);
    expect((await aigw(["virtual-keys", "delete", slug, "--workspace", ws])).code).toBe(0);
  });

  it("saves a config written in YAML, validated locally first: a bad one fails before any HTTP call", async () => {
    const ws = env.gateway.workspaceId;
    const good = await file(
      "fallback.yaml",
      [
        "strategy:",
        "  mode: fallback",
        "targets:",
        `  - virtual_key: ${env.slug}`,
        `  - virtual_key: ${env.slug}`,
      ].join("\n"),
    );
    const created = await json(["configs", "create", "--name", "fb", "--file", good, "--workspace", ws]);
    expect(created.config).toEqual({
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: env.slug }, { virtual_key: env.slug }],
    });
    const slug = String(created.slug);
    expect((await aigw(["configs", "list", "--workspace", ws])).stdout).toContain(slug);
    expect((await json(["configs", "get", slug, "--workspace", ws, "--version", "1"])).version).toBe(1);

    // A counting server stands where the gateway would be: the bad config must not reach it.
    let requests = 0;
    const counter: Server = createServer((_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => counter.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;
    try {
      const bad = await file("bad.yaml", "strategy:\n  mode: roundrobin\ntargets: []\n");
      const refused = await aigw(["configs", "create", "--name", "bad", "--file", bad], { env: { AIGW_URL: url } });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        "error: Invalid config: config.strategy.mode: must be one of: single, fallback, loadbalance, conditional\n",
      );
      const notYaml = await file("broken.yaml", "strategy: [unclosed\n");
      const broken = await aigw(["configs", "validate", "--file", notYaml], { env: { AIGW_URL: url } });
      expect(broken.code).toBe(2);
      expect(broken.stderr).toMatch(/^error: .*broken\.yaml is not valid YAML/);
      expect((await aigw(["configs", "validate", "--file", good])).stdout).toBe(`${good}: valid.\n`);
    } finally {
      await new Promise((resolve) => counter.close(resolve));
    }
    expect(requests).toBe(0);

    // What only the server knows (a saved guardrail that does not exist) comes back as its error: exit 1.
    const dangling = await file(
      "dangling.json",
      JSON.stringify({ virtual_key: env.slug, input_guardrails: ["pg-none"] }),
    );
    const serverSide = await aigw(["configs", "create", "--name", "d", "--file", dangling, "--workspace", ws]);
    expect(serverSide.code).toBe(1);
    expect(serverSide.stderr).toMatch(/no saved guardrail "pg-none".*\(HTTP 400, invalid_config, param config/);
    expect((await aigw(["configs", "delete", slug, "--workspace", ws])).code).toBe(0);
  });

  it("manages prompts and guardrails from YAML files", async () => {
    const ws = env.gateway.workspaceId;
    const promptFile = await file(
      "prompt.yaml",
      [
        "name: greeter",
        "string: 'Say hello to {{name}}'",
        "parameters:",
        "  model: gpt-4o-mini",
        `virtual_key: ${env.slug}`,
      ].join("\n"),
    );
    const prompt = await json(["prompts", "create", "--file", promptFile, "--workspace", ws]);
    const promptId = String(prompt.id);
    expect((await aigw(["prompts", "list", "--workspace", ws])).stdout).toContain("greeter");
    expect((await json(["prompts", "get", promptId, "--workspace", ws])).string).toBe("Say hello to {{name}}");
    expect((await aigw(["prompts", "delete", promptId, "--workspace", ws])).code).toBe(0);

    const guardFile = await file(
      "guard.yaml",
      [
        "name: short",
        "checks:",
        "  - id: default.wordCount",
        "    parameters: { minWords: 1, maxWords: 50 }",
        "actions:",
        "  deny: true",
      ].join("\n"),
    );
    const guard = await json(["guardrails", "create", "--file", guardFile, "--workspace", ws]);
    expect((await aigw(["guardrails", "list", "--workspace", ws])).stdout).toContain(String(guard.id));
    const badGuard = await file("bad-guard.yaml", "name: nothing\nchecks: 3\n");
    const refused = await aigw(["guardrails", "create", "--file", badGuard]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: Invalid guardrail at checks: /);
    expect((await aigw(["guardrails", "delete", String(guard.id), "--workspace", ws])).code).toBe(0);
  });

  async function chat(content: string): Promise<void> {
    const res = await fetch(`${env.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-portkey-api-key": env.gateway.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ model: `@${env.slug}/gpt-4o-mini`, messages: [{ role: "user", content }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    await env.gateway.logSink.flush();
  }

  it("searches logs, tails new ones until --limit, and prints the analytics summary table", async () => {
    await chat("first");
    await chat("second");
    const found = await json(["logs", "search", "--provider", "openai", "--limit", "5"]);
    expect((found.data as Json[]).length).toBeGreaterThanOrEqual(2);
    const table = await aigw(["logs", "search", "--from", "10m"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^TIME\s+ID\s+STATUS\s+PROVIDER\s+MODEL/);

    const past = await aigw(["logs", "tail", "--since", "10m", "--limit", "2", "--json"]);
    expect(past.code).toBe(0);
    const tailed = past.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Json);
    expect(tailed).toHaveLength(2);
    expect(Date.parse(String(tailed[0]?.ts))).toBeLessThanOrEqual(Date.parse(String(tailed[1]?.ts)));

    // Following: tail starts at "now", a request arrives, tail prints it and stops at --limit 1.
    let fired: Promise<void> | undefined;
    const follow = await aigw(["logs", "tail", "--interval", "0.2", "--limit", "1"], {
      // Once tail says it follows (after its first poll), make the request it should print.
      onStart: (child) => {
        fired = new Promise((resolve) => child.stderr?.once("data", resolve)).then(() => chat("third"));
      },
    });
    await fired;
    expect(follow.code).toBe(0);
    expect(follow.stderr).toBe("Following new request logs (Ctrl-C to stop)...\n");
    expect(follow.stdout.split("\n")[0]).toMatch(/^TIME\s+ID/);
    expect(follow.stdout.trim().split("\n")).toHaveLength(2);

    // Without --limit, tail runs until a signal (Ctrl-C) and then exits cleanly.
    const stopped = await aigw(["logs", "tail", "--interval", "0.2"], {
      onStart: (child) => child.stderr?.once("data", () => child.kill("SIGINT")),
    });
    expect(stopped.code).toBe(0);

    const summary = await aigw(["analytics", "summary", "--by", "model", "--from", "1h"]);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toMatch(/^MODEL\s+REQUESTS\s+COST_USD/);
    expect(summary.stdout).toContain("gpt-4o-mini");
  });

  it("logs in once (key from stdin, file mode 0600) and then needs neither flags nor env", async () => {
    const bare = { AIGW_URL: "", AIGW_API_KEY: "" };
    const missing = await aigw(["workspaces", "list"], { env: bare });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: No gateway URL: pass --url, set AIGW_URL, or run `aigw login`/);

    const wrong = await aigw(["login", "--url", env.gateway.url, "--key-stdin"], {
      env: bare,
      stdin: "pk-root-wrong-key-000000000000\n",
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("HTTP 401");

    const login = await aigw(["login", "--url", env.gateway.url, "--key-stdin"], {
      env: bare,
      stdin: `${TEST_ROOT_KEY}\n`,
    });
    expect(login.code).toBe(0);
    expect(login.argv.join(" ")).not.toContain(TEST_ROOT_KEY);
    const saved = join(home, ".config", "aigw", "config.json");
    expect((await stat(saved)).mode & 0o777).toBe(0o600);
    expect((await json(["workspaces", "list"], { env: bare })).object).toBe("list");
  });

  it("answers usage mistakes with exit code 2 and --help with 0", async () => {
    const unknown = await aigw(["workspaces", "frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("frobnicate");
    const badLimit = await aigw(["configs", "list", "--limit", "1000"]);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toBe("error: --limit must be a whole number 1..100.\n");
    // A stored name with a terminal escape sequence is printed without it (tables and messages alike).
    const evil = await aigw(["workspaces", "create", "--name", "red\u001b[31m\u001b]0;pwned\u0007"]);
    expect(evil.stdout).toMatch(/^Created workspace \S+ \(red\[31m\]0;pwned\)\.\n$/);
    expect((await aigw(["workspaces", "list"])).stdout).not.toContain("\u001b");
    const help = await aigw(["virtual-keys", "create", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--secret-stdin");
    expect(help.stdout).toContain("--json");
  });
});
