import { type FakeServer, startFakeServer } from "./fake-server";

/** OpenAI's moderation categories (omni-moderation), each answered false unless a trigger word is in the input. */
const CATEGORIES = [
  "harassment",
  "harassment/threatening",
  "hate",
  "hate/threatening",
  "illicit",
  "illicit/violent",
  "self-harm",
  "self-harm/intent",
  "self-harm/instructions",
  "sexual",
  "sexual/minors",
  "violence",
  "violence/graphic",
] as const;

/** Words that flag categories in the fake (a stand-in for the classifier). */
const TRIGGERS: Readonly<Record<string, readonly string[]>> = {
  kill: ["violence", "harassment/threatening"],
  idiot: ["harassment"],
};

/**
 * A fake of OpenAI's `POST /v1/moderations` (documented shape: `id`, `model`, `results[]` with `flagged`,
 * `categories`, `category_scores`, `category_applied_input_types`), with OpenAI's 401 for a wrong key.
 */
export async function startModerationFake(apiKey: string): Promise<FakeServer & { readonly baseUrl: string }> {
  const server = await startFakeServer(({ req, res, recorded }) => {
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: {
            message: "Incorrect API key provided.",
            type: "invalid_request_error",
            param: null,
            code: "invalid_api_key",
          },
        }),
      );
      return;
    }
    const body = recorded.json<{ input?: unknown; model?: string }>();
    const input = typeof body.input === "string" ? body.input.toLowerCase() : "";
    const hits = new Set(Object.entries(TRIGGERS).flatMap(([word, cats]) => (input.includes(word) ? cats : [])));
    const categories = Object.fromEntries(CATEGORIES.map((c) => [c, hits.has(c)]));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: "modr-fake1",
        model: body.model ?? "omni-moderation-latest",
        results: [
          {
            flagged: hits.size > 0,
            categories,
            category_scores: Object.fromEntries(CATEGORIES.map((c) => [c, hits.has(c) ? 0.97 : 0.001])),
            category_applied_input_types: Object.fromEntries(CATEGORIES.map((c) => [c, ["text"]])),
          },
        ],
      }),
    );
  });
  return Object.assign(server, { baseUrl: `${server.origin}/v1` });
}

/** A policy webhook on loopback: records each call and answers what the test sets. */
export interface WebhookFake extends FakeServer {
  readonly url: string;
  answer: { verdict: unknown; transformedData?: unknown; data?: unknown } | "hang" | "status-500";
}

export async function startWebhookFake(): Promise<WebhookFake> {
  let fake: WebhookFake | undefined;
  const server = await startFakeServer(async ({ res }) => {
    const answer = fake?.answer ?? { verdict: true };
    if (answer === "hang") {
      await new Promise<void>((resolve) => res.once("close", () => resolve()));
      return;
    }
    if (answer === "status-500") {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("policy service down");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(answer));
  });
  fake = Object.assign(server, {
    url: `${server.origin}/policy?token=abc`,
    answer: { verdict: true } as WebhookFake["answer"],
  });
  return fake;
}
