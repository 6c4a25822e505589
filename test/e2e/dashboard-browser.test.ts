import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import OpenAI from "openai";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatCost, formatCount } from "../../dashboard/src/lib/format";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Issue 15's "Done when", in a real browser (Debian's chromium, headless, driven by playwright-core): after a seeded
 * workload through the openai SDK, a person signs in at /dashboard, reads the figures (the same numbers the API
 * gives), finds a request by trace id and sees why it failed, filters by metadata, and creates and deletes a virtual
 * key and a config through the UI. No request leaves the gateway's origin; the page logs no console errors.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = join(process.cwd(), ".dashboard-screenshots");
const PROVIDER_KEY = "sk-dashboard-provider-key-0123456789";
const NEW_VK_SECRET = "sk-typed-into-the-dashboard-9876543210";
const RUN = String(Date.now());

interface Graph {
  summary: Record<string, number | null>;
}

describe("the dashboard in headless Chromium", () => {
  let fake: OpenAIFake;
  let failing: OpenAIFake;
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  const offOrigin: string[] = [];
  const consoleErrors: string[] = [];
  const failedTrace = `dash-failed-${RUN}`;

  async function apiGet<T>(path: string): Promise<T> {
    const res = await fetch(`${gateway.url}${path}`, { headers: { "x-portkey-api-key": gateway.apiKey } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  }

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `chromium is required at ${CHROMIUM} (.ci/run installs it)`).toBe(true);
    fake = await startOpenAIFake({ apiKey: PROVIDER_KEY });
    failing = await startOpenAIFake({ apiKey: PROVIDER_KEY });
    failing.setAlwaysFault({ kind: "status", status: 503 });
    gateway = await startTestGateway();
    const slug = await gateway.createVirtualKey({ name: "healthy", key: PROVIDER_KEY, custom_host: fake.baseUrl });
    const down = await gateway.createVirtualKey({ name: "down", key: PROVIDER_KEY, custom_host: failing.baseUrl });

    // Seed: three answered requests (two teams, two models) and one the upstream fails, through the real SDK.
    const client = (vk: string, trace: string, team: string) =>
      new OpenAI({
        apiKey: "unused",
        baseURL: `${gateway.url}/v1`,
        maxRetries: 0,
        defaultHeaders: {
          "x-portkey-api-key": gateway.apiKey,
          "x-portkey-virtual-key": vk,
          "x-portkey-trace-id": trace,
          "x-portkey-metadata": JSON.stringify({ team }),
        },
      });
    const ask = (model: string, text: string) => ({ model, messages: [{ role: "user" as const, content: text }] });
    await client(slug, `dash-a1-${RUN}`, "alpha").chat.completions.create(ask("gpt-4o-mini", "hello there"));
    await client(slug, `dash-a2-${RUN}`, "alpha").chat.completions.create(ask("gpt-4o", "how are you today"));
    await client(slug, `dash-b1-${RUN}`, "beta").chat.completions.create(ask("gpt-4o-mini", "one two three"));
    await expect(
      client(down, failedTrace, "beta").chat.completions.create(ask("gpt-4o-mini", "fail")),
    ).rejects.toThrow();
    await gateway.logSink.flush();
    await gateway.analyticsEngine.refresh();

    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const origin = new URL(gateway.url).origin;
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith("data:")) return route.continue();
      offOrigin.push(url);
      return route.abort();
    });
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(`${msg.text()} (${msg.location().url})`);
    });
    page.on("pageerror", (err) => consoleErrors.push(err.message));
  }, 45_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await fake?.close();
    await failing?.close();
  });

  it("serves the page with a strict CSP and hashed, cacheable assets", async () => {
    const res = await fetch(`${gateway.url}/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<script type="module">[^<]/); // no inline script
    const script = /src="(\/dashboard\/assets\/main-[\w-]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${gateway.url}${script}`);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${gateway.url}/dashboard/assets/nope.js`)).status).toBe(404);
  });

  it("signs in with an API key and shows the same figures as the analytics API", async () => {
    await page.goto(`${gateway.url}/dashboard#/analytics`);
    await page.getByLabel("API key").fill(gateway.apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    for (const link of ["Logs", "Analytics", "Virtual keys", "Configs", "Prompts", "Guardrails", "API keys"]) {
      await expect(page.getByRole("link", { name: link, exact: true }).count()).resolves.toBe(1);
    }
    const now = Date.now();
    const range = new URLSearchParams({
      time_of_generation_min: new Date(now - 86_400_000).toISOString(),
      time_of_generation_max: new Date(now + 60_000).toISOString(),
    });
    const requests = await apiGet<Graph>(`/v1/analytics/graphs/requests?${range}`);
    const cost = await apiGet<Graph>(`/v1/analytics/graphs/cost?${range}`);
    const errors = await apiGet<Graph>(`/v1/analytics/graphs/errors?${range}`);
    expect(requests.summary.total).toBe(4);

    const figure = (name: string) => page.getByRole("region", { name, exact: true });
    await figure("Requests").getByText(formatCount(4)).waitFor({ timeout: 10_000 });
    expect(await figure("Requests").textContent()).toContain(formatCount(requests.summary.total));
    expect(await figure("Cost").textContent()).toContain(formatCost(cost.summary.total));
    expect(await figure("Errors").textContent()).toContain(formatCount(errors.summary.total));
    for (const name of ["Tokens", "Cache hit rate", "Latency p50"]) await expect(figure(name).count()).resolves.toBe(1);
    const byModel = page.getByRole("table", { name: "Cost by model" });
    await byModel.getByRole("row", { name: /gpt-4o-mini/ }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, "analytics.png"), fullPage: true });
  }, 30_000);

  it("finds the failed request by trace id and shows why it failed", async () => {
    await page.getByRole("link", { name: "Logs", exact: true }).click();
    const table = page.getByRole("table", { name: "Requests" });
    await table.getByRole("row").nth(4).waitFor(); // header + 4 requests
    await page.getByRole("searchbox", { name: "Search logs" }).fill(failedTrace);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect.poll(() => table.locator("tbody tr").count()).toBe(1);
    await table.locator("tbody tr").first().click();
    const detail = page.getByRole("region", { name: "Request detail" });
    await detail.getByText(failedTrace).waitFor();
    const text = (await detail.textContent()) ?? "";
    expect(text).toContain("503");
    expect(text).toContain("gpt-4o-mini");
    await expect(detail.getByRole("table", { name: "Attempts" }).getByRole("row").count()).resolves.toBeGreaterThan(1);
    await page.screenshot({ path: join(SCREENSHOTS, "logs-detail.png"), fullPage: true });
  }, 30_000);

  it("filters the logs by a metadata value", async () => {
    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Metadata key").fill("team");
    await page.getByLabel("Metadata value").fill("alpha");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const rows = page.getByRole("table", { name: "Requests" }).locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.allTextContents()).toEqual([
      expect.stringContaining(`dash-a2-${RUN}`),
      expect.stringContaining(`dash-a1-${RUN}`),
    ]);
    // The search box matches a metadata value too.
    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByRole("searchbox", { name: "Search logs" }).fill("beta");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect.poll(() => rows.count()).toBe(2);
  }, 30_000);

  it("creates and deletes a virtual key through the UI; the secret never shows", async () => {
    await page.getByRole("link", { name: "Virtual keys", exact: true }).click();
    const table = page.getByRole("table", { name: "Virtual keys" });
    await table.getByRole("row", { name: /healthy/ }).waitFor();
    const form = page.getByRole("form", { name: "New virtual key" });
    await form.getByLabel("Name").fill("from the browser");
    await form.getByLabel("Provider", { exact: true }).fill("openai");
    await form.getByLabel("Provider API key").fill(NEW_VK_SECRET);
    await form.getByRole("button", { name: "Create virtual key" }).click();
    const row = table.getByRole("row", { name: /from the browser/ });
    await row.waitFor();
    expect(await row.textContent()).toContain("openai");
    expect(await page.content()).not.toContain(NEW_VK_SECRET);
    const listed = await apiGet<{ data: Array<{ name: string; slug: string }> }>("/v1/virtual-keys");
    expect(listed.data.map((v) => v.name)).toContain("from the browser");
    await page.screenshot({ path: join(SCREENSHOTS, "virtual-keys.png"), fullPage: true });

    await page.getByRole("button", { name: "Delete from the browser" }).click();
    await expect.poll(() => row.count()).toBe(0);
    const after = await apiGet<{ data: Array<{ name: string }> }>("/v1/virtual-keys");
    expect(after.data.map((v) => v.name)).not.toContain("from the browser");
  }, 30_000);

  it("creates a config (validated by the server) and deletes it through the UI", async () => {
    await page.getByRole("link", { name: "Configs", exact: true }).click();
    const form = page.getByRole("form", { name: "New config" });
    await form.getByLabel("Config name").fill("browser fallback");
    // The server's schema refuses a config without targets' provider: its message is shown.
    await form.getByLabel("Config JSON").fill(JSON.stringify({ strategy: { mode: "fallback" }, targets: [] }));
    await form.getByRole("button", { name: "Create config" }).click();
    await page.getByRole("alert").waitFor();
    const vks = await apiGet<{ data: Array<{ name: string; slug: string }> }>("/v1/virtual-keys");
    const slug = vks.data.find((v) => v.name === "healthy")?.slug;
    const config = { strategy: { mode: "fallback" }, targets: [{ virtual_key: slug }, { virtual_key: slug }] };
    await form.getByLabel("Config JSON").fill(JSON.stringify(config));
    await form.getByRole("button", { name: "Create config" }).click();
    const row = page.getByRole("table", { name: "Configs" }).getByRole("row", { name: /browser fallback/ });
    await row.waitFor();
    const saved = await apiGet<{ data: Array<{ name: string; config: unknown }> }>("/v1/configs");
    expect(saved.data.find((c) => c.name === "browser fallback")?.config).toMatchObject(config);
    await page.screenshot({ path: join(SCREENSHOTS, "configs.png"), fullPage: true });

    await page.getByRole("button", { name: "Delete browser fallback" }).click();
    await expect.poll(() => row.count()).toBe(0);
  }, 30_000);

  it("shows prompts, guardrails and API keys, kept no request off the origin and logged no console error", async () => {
    for (const [link, table] of [
      ["Prompts", "Prompts"],
      ["Guardrails", "Guardrails"],
      ["API keys", "API keys"],
    ] as const) {
      await page.getByRole("link", { name: link, exact: true }).click();
      await page.getByRole("table", { name: table }).waitFor();
    }
    await page.getByRole("table", { name: "API keys" }).getByRole("row", { name: /e2e/ }).waitFor();
    expect(offOrigin).toEqual([]);
    // Chromium reports every 4xx answer as a console error: the one expected is the refused config.
    const configRefused = /status of 400 .*\/v1\/configs\)$/;
    expect(consoleErrors.filter((e) => !configRefused.test(e))).toEqual([]);
    expect(consoleErrors.filter((e) => configRefused.test(e))).toHaveLength(1);
    expect(await page.evaluate("document.cookie")).toBe("");
    expect(page.url()).not.toContain(gateway.apiKey);
  }, 30_000);
});
