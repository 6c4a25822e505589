import { Portkey } from "portkey-ai";
import { beforeAll, describe, expect, it } from "vitest";
import { useGatewayWithUpstream } from "../support/local-gateway";

/**
 * Saved prompts end to end: the unmodified `portkey-ai` SDK manages a prompt through the admin API, renders it and
 * runs it (JSON and SSE) through the local gateway; the fake OpenAI upstream shows what was really sent.
 */
const PROVIDER_SECRET = "sk-prompt-provider-secret-1234";
const TEMPLATE = JSON.stringify([
  { role: "system", content: "You are a {{tone}} support agent for {{company}}." },
  { role: "user", content: "Customer {{customer.name}} asks: {{question}}{{#urgent}} (urgent){{/urgent}}" },
]);
const VARIABLES = { tone: "friendly", company: "Acme", customer: { name: "Ana" }, question: "where is {{my}} order?" };
/** The prompt the suite saves (with its virtual key), as created and as read back. */
const PROMPT = {
  name: "Support reply",
  collection_id: "support",
  string: TEMPLATE,
  parameters: { temperature: 0.2, max_tokens: 60 },
  model: "gpt-4o-mini",
};
const RENDERED = [
  { role: "system", content: "You are a friendly support agent for Acme." },
  { role: "user", content: "Customer Ana asks: where is {{my}} order?" },
];

const env = useGatewayWithUpstream({ providerKey: PROVIDER_SECRET, name: "openai for prompts" });
let portkey: Portkey;
let promptId: string;

function statusOf(err: unknown): number | undefined {
  return (err as { status?: number }).status;
}

beforeAll(async () => {
  portkey = new Portkey({ apiKey: env.gateway.apiKey, baseURL: `${env.gateway.url}/v1` });
  const created = await portkey.prompts.create({ ...PROMPT, virtual_key: env.slug, version_description: "first cut" });
  promptId = String(created.id);
});

describe("prompts through the portkey-ai SDK", () => {
  it("creates, lists and retrieves a prompt in Portkey's shapes", async () => {
    // Act
    const listed = await portkey.prompts.list({ collection_id: "support" });
    const retrieved = await portkey.prompts.retrieve(promptId);
    // Assess
    expect(promptId).toMatch(/^pp-support-reply-/);
    expect(listed.data.map((p: { id: string }) => p.id)).toContain(promptId);
    expect(retrieved).toMatchObject({
      ...PROMPT,
      id: promptId,
      virtual_key: env.slug,
      prompt_version: 1,
      prompt_version_id: "1",
      prompt_version_description: "first cut",
      object: "prompt",
    });
  });

  it("renders the template with variables and request overrides, without calling the upstream", async () => {
    // Act
    const rendered = await portkey.prompts.render({ promptID: promptId, variables: VARIABLES, temperature: 0.9 });
    // Assess: a variable value that looks like a tag is copied verbatim
    expect(rendered.success).toBe(true);
    expect(rendered.data).toEqual({ messages: RENDERED, model: "gpt-4o-mini", temperature: 0.9, max_tokens: 60 });
    expect(env.fake.requests).toHaveLength(0);
  });

  it("runs the prompt as a chat completion on the prompt's virtual key", async () => {
    // Act
    const completion = await portkey.prompts.completions.create({
      promptID: promptId,
      variables: { ...VARIABLES, urgent: true },
    });
    // Assess
    expect(completion.choices[0].message.content).toBe("You said: Customer Ana asks: where is {{my}} order? (urgent)");
    const upstream = env.fake.requests.at(-1);
    expect(upstream?.headers.authorization).toBe(`Bearer ${PROVIDER_SECRET}`);
    expect(upstream?.json()).toMatchObject({
      model: "gpt-4o-mini",
      temperature: 0.2,
      max_tokens: 60,
      stream: false,
      messages: [RENDERED[0], { role: "user", content: `${RENDERED[1]?.content} (urgent)` }],
    });
    expect(upstream?.json()).not.toHaveProperty("variables");
  });

  it("streams the completion as OpenAI SSE chunks", async () => {
    // Act
    const stream = await portkey.prompts.completions.create({ promptID: promptId, variables: VARIABLES, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices?.[0]?.delta?.content ?? "";
    // Assess
    expect(text).toBe("You said: Customer Ana asks: where is {{my}} order?");
    expect(env.fake.requests.at(-1)?.json()).toMatchObject({ stream: true, messages: RENDERED });
  });

  it("answers missing variables with one 400 that names them, before any upstream call", async () => {
    // Act
    const res = await fetch(`${env.gateway.url}/v1/prompts/${promptId}/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-api-key": env.gateway.apiKey },
      body: JSON.stringify({ variables: { tone: "calm" } }),
    });
    const sdkError = await portkey.prompts.render({ promptID: promptId, variables: {} }).catch((err: unknown) => err);
    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: "Missing prompt variables: company, customer.name, question.",
        type: "invalid_request_error",
        param: "variables",
        code: "missing_variables",
      },
    });
    expect(statusOf(sdkError)).toBe(400);
    expect(env.fake.requests).toHaveLength(0);
  });

  it("keeps versions: updates need publishing, @latest and @n pick versions explicitly", async () => {
    // Prepare
    const updated = await portkey.prompts.update(promptId, {
      string: "Reply to {{question}} in one word.",
      version_description: "shorter",
    });
    // Act
    const published = await portkey.prompts.render({ promptID: promptId, variables: VARIABLES });
    const latest = await portkey.prompts.render({ promptID: `${promptId}@latest`, variables: { question: "hi" } });
    await portkey.prompts.publish(promptId, { version: 2 });
    const afterPublish = await portkey.prompts.completions.create({
      promptID: promptId,
      variables: { question: "hi" },
    });
    const first = await portkey.prompts.render({ promptID: `${promptId}@1`, variables: VARIABLES });
    const versions = await portkey.prompts.versions.list(promptId);
    const v1 = await portkey.prompts.versions.retrieve(promptId, "1");
    // Assess
    expect(updated).toMatchObject({ id: promptId, prompt_version_id: "2" });
    expect(published.data.messages).toEqual(RENDERED);
    expect(latest.data.messages).toEqual([{ role: "user", content: "Reply to hi in one word." }]);
    expect(latest.data).toMatchObject({ model: "gpt-4o-mini", temperature: 0.2 });
    expect(afterPublish.choices[0].message.content).toBe("You said: Reply to hi in one word.");
    expect(first.data.messages).toEqual(RENDERED);
    expect(versions.data.map((v: { prompt_version: number }) => v.prompt_version)).toEqual([1, 2]);
    expect(v1).toMatchObject({ prompt_version: 1, string: TEMPLATE, prompt_version_description: "first cut" });
  });

  it("hides a prompt from other workspaces (404, never 403)", async () => {
    // Prepare
    const workspaceId = await env.gateway.createWorkspace({ name: "other team" });
    const key = await env.gateway.createKey({
      name: "other",
      workspace_id: workspaceId,
      scopes: ["completions", "admin"],
    });
    const other = new Portkey({ apiKey: key, baseURL: `${env.gateway.url}/v1` });
    // Act
    const errors = await Promise.all([
      other.prompts.render({ promptID: promptId, variables: VARIABLES }).catch((err: unknown) => err),
      other.prompts.completions.create({ promptID: promptId, variables: VARIABLES }).catch((err: unknown) => err),
      other.prompts.retrieve(promptId).catch((err: unknown) => err),
      other.prompts.update(promptId, { name: "mine now" }).catch((err: unknown) => err),
    ]);
    // Assess
    expect(errors.map(statusOf)).toEqual([404, 404, 404, 404]);
    expect(env.fake.requests).toHaveLength(0);
    expect((await portkey.prompts.retrieve(promptId)).name).toBe("Support reply");
  });

  it("deletes a prompt: render and completions answer 404 at once", async () => {
    // Prepare
    const doomed = await portkey.prompts.create({
      name: "Doomed",
      collection_id: "support",
      string: "Say {{x}}",
      parameters: {},
      model: "gpt-4o-mini",
      virtual_key: env.slug,
    });
    await portkey.prompts.render({ promptID: String(doomed.id), variables: { x: "1" } });
    // Act
    await portkey.prompts.delete(String(doomed.id));
    const err = await portkey.prompts.render({ promptID: String(doomed.id), variables: { x: "1" } }).catch((e) => e);
    // Assess
    expect(statusOf(err)).toBe(404);
  });
});
