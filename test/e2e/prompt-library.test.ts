import { Portkey } from "portkey-ai";
import { beforeAll, describe, expect, it } from "vitest";
import { useGatewayWithUpstream } from "../support/local-gateway";

/**
 * The prompt library end to end with the unmodified `portkey-ai` SDK: labels that point at versions and move,
 * rendering by label or version, and an A/B split between versions through a config's `loadbalance`, with the
 * version that answered in the request log and in the analytics groups.
 */
const env = useGatewayWithUpstream({ providerKey: "sk-prompt-library-provider-0001", name: "openai for library" });
let portkey: Portkey;
let promptId: string;

function statusOf(err: unknown): number | undefined {
  return (err as { status?: number }).status;
}

async function text(reference: string): Promise<string> {
  const rendered = await portkey.prompts.render({ promptID: reference, variables: { name: "Ana" } });
  return (rendered.data.messages as { content: string }[]).map((m) => m.content).join("|");
}

beforeAll(async () => {
  portkey = new Portkey({ apiKey: env.gateway.apiKey, baseURL: `${env.gateway.url}/v1` });
  const created = await portkey.prompts.create({
    name: "Greeting",
    collection_id: "library",
    string: "v1 hello {{name}}",
    parameters: { max_tokens: 20 },
    model: "gpt-4o-mini",
    virtual_key: env.slug,
  });
  promptId = String(created.id);
  await portkey.prompts.update(promptId, { string: "v2 hi {{name}}" });
});

describe("prompt labels", () => {
  it("renders by label and version; labels move with PUT, Portkey's label_id, and production is publishing", async () => {
    // Act: staging -> v2 (our route), then Portkey's form moves it back to v1, then production (publish) -> v2
    const staged = await env.gateway.admin("PUT", `/v1/prompts/${promptId}/labels/staging`, { version: 2 });
    const before = [await text(promptId), await text(`${promptId}@production`), await text(`${promptId}@staging`)];
    await portkey.prompts.versions.update(promptId, "1", { label_id: "staging" });
    const moved = await text(`${promptId}@staging`);
    await env.gateway.admin("PUT", `/v1/prompts/${promptId}/labels/production`, { version: 2 });
    const published = await portkey.prompts.completions.create({ promptID: promptId, variables: { name: "Bo" } });
    const retrieved = await portkey.prompts.retrieve(`${promptId}@staging`);

    // Assess
    expect(staged.json).toMatchObject({ labels: { production: 1, staging: 2 } });
    expect(before).toEqual(["v1 hello Ana", "v1 hello Ana", "v2 hi Ana"]);
    expect(moved).toBe("v1 hello Ana");
    expect(published.choices[0].message.content).toBe("You said: v2 hi Bo");
    expect(published.getHeaders?.()).toMatchObject({ "prompt-version": "2" });
    expect(retrieved).toMatchObject({
      prompt_version: 1,
      labels: { production: 2, staging: 1 },
      prompt_version_label_id: "staging",
    });
  });

  it("answers 404 for a label the prompt does not have, and refuses bad or reserved label names", async () => {
    // Act
    await env.gateway.admin("PUT", `/v1/prompts/${promptId}/labels/canary`, { version: 1 });
    const removed = await env.gateway.admin("DELETE", `/v1/prompts/${promptId}/labels/canary`);
    const gone = await portkey.prompts.render({ promptID: `${promptId}@canary`, variables: {} }).catch((e) => e);
    const reserved = await env.gateway.admin("PUT", `/v1/prompts/${promptId}/labels/latest`, { version: 1 });
    const production = await env.gateway.admin("DELETE", `/v1/prompts/${promptId}/labels/production`);
    const noVersion = await env.gateway.admin("PUT", `/v1/prompts/${promptId}/labels/qa`, { version: 9 });

    // Assess
    expect(removed.json).not.toHaveProperty("labels.canary");
    expect(statusOf(gone)).toBe(404);
    expect(reserved).toMatchObject({ status: 400, json: { error: { param: "label", code: "invalid_label" } } });
    expect(production).toMatchObject({ status: 400, json: { error: { param: "label" } } });
    expect(noVersion.status).toBe(404);
  });
});

describe("an A/B split between prompt versions", () => {
  it("splits by the loadbalance weights and logs the version that answered", async () => {
    // Prepare: 3:1 between versions 1 and 2, the targets routing by the prompt's own virtual key
    const client = new Portkey({
      apiKey: env.gateway.apiKey,
      baseURL: `${env.gateway.url}/v1`,
      config: {
        strategy: { mode: "loadbalance" },
        targets: [
          { prompt_id: `${promptId}@1`, weight: 3 },
          { prompt_id: `${promptId}@2`, weight: 1 },
        ],
      },
    });
    const runs = 200;

    // Act
    const versions: string[] = [];
    for (let batch = 0; batch < runs / 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          client.prompts.completions.create({ promptID: promptId, variables: { name: "Cy" } }),
        ),
      );
      for (const answer of answers) {
        const content = answer.choices[0].message.content as string;
        expect(answer.getHeaders?.()?.["prompt-version"]).toBe(content.includes("v1") ? "1" : "2");
        versions.push(content.includes("v1") ? "1" : "2");
      }
    }
    await env.gateway.logSink.flush();
    await env.gateway.analyticsEngine.refresh();
    const hour = 3_600_000;
    const range = `time_of_generation_min=${new Date(Date.now() - hour).toISOString()}&time_of_generation_max=${new Date(Date.now() + hour).toISOString()}`;
    const res = await fetch(`${env.gateway.url}/v1/analytics/groups/prompt?${range}`, {
      headers: { "x-portkey-api-key": env.gateway.apiKey },
    });
    const groups = (await res.json()) as { data: { prompt: string | null; requests: number }[] };
    expect(res.status, JSON.stringify(groups)).toBe(200);

    // Assess: 150 expected on version 1 (binomial sd 6.1): 120..180 is about 5 sd
    const v1 = versions.filter((v) => v === "1").length;
    expect(v1).toBeGreaterThanOrEqual(120);
    expect(v1).toBeLessThanOrEqual(180);
    const counts = Object.fromEntries(groups.data.map((g) => [g.prompt, g.requests]));
    expect(counts[`${promptId}@1`]).toBe(v1);
    expect(counts[`${promptId}@2`]).toBe(runs - v1 + 1); // the first test's published completion ran version 2
    expect(env.fake.requests).toHaveLength(runs);
  });

  it("refuses a prompt_id target outside a prompt completion", async () => {
    // Act
    const res = await fetch(`${env.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": env.gateway.apiKey,
        "x-portkey-config": JSON.stringify({ strategy: { mode: "loadbalance" }, targets: [{ prompt_id: promptId }] }),
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });

    // Assess
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("config.targets[0].prompt_id");
  });
});

describe("prompt partials", () => {
  it("includes a partial with {{> id}}: published version, pinned @n, and a publish applies at once", async () => {
    // Prepare
    const partial = await portkey.prompts.partials.create({ name: "Signature", string: "-- {{team}} team" });
    const partialId = String(partial.id);
    const prompt = await portkey.prompts.create({
      name: "Signed",
      collection_id: "library",
      string: JSON.stringify([
        { role: "system", content: `Sign with:\n{{> ${partialId}}}\nPinned: {{> ${partialId}@1}}` },
        { role: "user", content: "{{question}}" },
      ]),
      parameters: {},
      model: "gpt-4o-mini",
      virtual_key: env.slug,
    });
    const id = String(prompt.id);
    const render = async () =>
      (await portkey.prompts.render({ promptID: id, variables: { team: "Acme", question: "hi" } })).data.messages;

    // Act
    const first = await render();
    await portkey.prompts.partials.update(partialId, { string: "~ {{team}} crew ~" });
    const unpublished = await render();
    await portkey.prompts.partials.publish(partialId, { version: 2 });
    const published = await render();
    const versions = await portkey.prompts.partials.versions.list(partialId);
    const completion = await portkey.prompts.completions.create({
      promptID: id,
      variables: { team: "Z", question: "q" },
    });

    // Assess: a standalone include takes its line, as a section tag does
    expect(first?.[0]).toEqual({ role: "system", content: "Sign with:\n-- Acme teamPinned: -- Acme team" });
    expect(unpublished).toEqual(first);
    expect(published?.[0]).toEqual({ role: "system", content: "Sign with:\n~ Acme crew ~Pinned: -- Acme team" });
    expect(versions.data.map((v: { prompt_partial_version: number }) => v.prompt_partial_version)).toEqual([1, 2]);
    expect(completion.choices[0].message.content).toBe("You said: q");
    expect(env.fake.requests.at(-1)?.json()).toMatchObject({
      messages: [
        { role: "system", content: "Sign with:\n~ Z crew ~Pinned: -- Z team" },
        { role: "user", content: "q" },
      ],
    });
  });

  it("refuses missing partials and cycles when saved, and a deleted partial with a 400 when rendered", async () => {
    // Prepare
    const a = String((await portkey.prompts.partials.create({ name: "A", string: "a" })).id);
    const b = String((await portkey.prompts.partials.create({ name: "B", string: `b {{> ${a}}}` })).id);
    const prompt = await portkey.prompts.create({
      name: "Uses B",
      collection_id: "library",
      string: `x {{> ${b}}}`,
      parameters: {},
      model: "gpt-4o-mini",
    });

    // Act
    const cycle = await env.gateway.admin("PUT", `/v1/prompts/partials/${a}`, { string: `a {{> ${b}}}` });
    const self = await env.gateway.admin("PUT", `/v1/prompts/partials/${a}`, { string: `a {{> ${a}@1}}` });
    const missing = await env.gateway.admin("POST", "/v1/prompts", {
      workspace_id: env.gateway.workspaceId,
      name: "dangling",
      string: "{{> pl-nowhere-000000}}",
      parameters: {},
    });
    const before = await portkey.prompts.render({ promptID: String(prompt.id), variables: {} });
    await portkey.prompts.partials.delete(a);
    const after = await fetch(`${env.gateway.url}/v1/prompts/${prompt.id}/render`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-api-key": env.gateway.apiKey },
      body: JSON.stringify({ variables: {} }),
    });

    // Assess
    expect(cycle).toMatchObject({ status: 400, json: { error: { code: "invalid_template", param: "string" } } });
    expect(String((cycle.json.error as { message: string }).message)).toContain("cycle");
    expect(self.status).toBe(400);
    expect(missing).toMatchObject({ status: 400, json: { error: { code: "partial_not_found", param: "string" } } });
    expect(before.data.messages).toEqual([{ role: "user", content: "x b a" }]);
    expect(after.status).toBe(400);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe("partial_not_found");
  });
});
