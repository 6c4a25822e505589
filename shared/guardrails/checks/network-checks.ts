import * as z from "zod";
import { InvalidConfigError } from "../../core/config-error";
import { type CheckDefinition, defineCheck } from "../check-definition";
import type { CheckInput, GuardrailIO } from "../types";

/** Webhook timeout: Portkey's default, and the most a config may set. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 3_000;
export const MAX_CHECK_TIMEOUT_MS = 30_000;
/** Moderation timeout when the config sets none. */
export const DEFAULT_MODERATION_TIMEOUT_MS = 5_000;

const timeoutMs = z
  .number({ error: "must be a number of milliseconds" })
  .int("must be a whole number of milliseconds")
  .min(1, "must be >= 1")
  .max(MAX_CHECK_TIMEOUT_MS, `must be <= ${MAX_CHECK_TIMEOUT_MS}`)
  .optional();

function ioOf(input: CheckInput): GuardrailIO {
  if (!input.io) throw new Error("This gateway has no network for guardrail checks.");
  return input.io;
}

/** Portkey's event names in the webhook context. */
const EVENT_TYPE = { before_request: "beforeRequestHook", after_request: "afterRequestHook" } as const;
const REQUEST_TYPE: Readonly<Record<string, string>> = { chat: "chatComplete", completions: "complete" };

/** The URL as reported in results: origin and path (a token in the query string is not repeated). */
function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * `default.webhook` (Portkey's parameters: `webhookURL`, `headers` (object or JSON string), `timeout` ms, default
 * 3000): POSTs the hook context (`request.json`/`text`, `response.json`/`text`, `provider`, `requestType`,
 * `metadata`, `eventType`; no request headers, no gateway or provider credential) and takes the answer's
 * `verdict`. An answer's `transformedData.request.json` (before) or `.response.json` (after) replaces the request
 * or the answer. The URL passes the SSRF guard like a custom host. A timeout, a refused URL or a bad answer is an
 * error: the hook passes (fail-open, as Portkey) unless the check sets `failOnError: true` (fail-closed).
 */
export const webhook: CheckDefinition = defineCheck(
  "default.webhook",
  {
    webhookURL: z.string({ error: "must be a URL" }).min(1, "must not be empty"),
    headers: z
      .union([z.record(z.string(), z.string({ error: "header values must be strings" })), z.string()], {
        error: "must be an object of header values (or its JSON text)",
      })
      .optional(),
    timeout: timeoutMs,
  },
  function buildWebhook({ webhookURL, headers, timeout = DEFAULT_WEBHOOK_TIMEOUT_MS }, at) {
    let url: URL;
    try {
      url = new URL(webhookURL);
    } catch {
      throw new InvalidConfigError(`${at}.webhookURL: not a valid URL`, `${at}.webhookURL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new InvalidConfigError(`${at}.webhookURL: must be an http(s) URL`, `${at}.webhookURL`);
    }
    let sentHeaders: Record<string, string> = {};
    if (typeof headers === "string") {
      const parsed = z.record(z.string(), z.string()).safeParse(
        (() => {
          try {
            return JSON.parse(headers);
          } catch {
            return undefined;
          }
        })(),
      );
      if (!parsed.success) throw new InvalidConfigError(`${at}.headers: not a JSON object of strings`, `${at}.headers`);
      sentHeaders = parsed.data;
    } else if (headers) {
      sentHeaders = headers;
    }
    const shown = shownUrl(url);
    return async function webhookCheck(input) {
      const before = input.phase === "before_request";
      const context = {
        request: { json: input.request, text: before ? input.text : undefined },
        response: before
          ? { json: null, text: null, statusCode: null }
          : { json: input.response ?? null, text: input.text, statusCode: 200 },
        provider: input.provider,
        requestType: REQUEST_TYPE[input.endpoint] ?? input.endpoint,
        metadata: input.metadata,
        eventType: EVENT_TYPE[input.phase],
      };
      const answer = (await ioOf(input).postJson(url.toString(), context, sentHeaders, timeout)) as {
        verdict?: unknown;
        data?: unknown;
        transformedData?: { request?: { json?: unknown }; response?: { json?: unknown } };
      } | null;
      if (!answer || typeof answer.verdict !== "boolean")
        throw new Error("The webhook's answer has no boolean verdict.");
      const json = before ? answer.transformedData?.request?.json : answer.transformedData?.response?.json;
      const replace =
        json && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
      return {
        verdict: answer.verdict,
        data: {
          explanation: answer.verdict ? "Webhook request succeeded" : "Webhook request failed",
          webhookUrl: shown,
          responseData: answer.data ?? null,
          requestContext: { timeout },
        },
        ...(replace ? { transform: { json: replace } } : {}),
      };
    };
  },
);

/** OpenAI's moderation categories (Portkey's list for `portkey.moderateContent`). */
export const MODERATION_CATEGORIES = [
  "hate",
  "hate/threatening",
  "harassment",
  "harassment/threatening",
  "self-harm",
  "self-harm/intent",
  "self-harm/instructions",
  "sexual",
  "sexual/minors",
  "violence",
  "violence/graphic",
  "illicit",
  "illicit/violent",
] as const;
/** Portkey's default selection. */
const DEFAULT_MODERATION = [
  "hate/threatening",
  "harassment/threatening",
  "self-harm/intent",
  "self-harm/instructions",
  "sexual/minors",
  "violence/graphic",
];

const nonEmpty = (what: string) => z.string({ error: `must be ${what}` }).min(1, "must not be empty");

/** Who moderates: as `cache.embedding` (a virtual key, or a provider with its key), plus an optional model. */
const targetSchema = z
  .strictObject(
    {
      virtual_key: nonEmpty("a virtual key slug").optional(),
      provider: nonEmpty("a provider id").optional(),
      api_key: nonEmpty("a provider key").optional(),
      custom_host: nonEmpty("a URL").optional(),
      model: nonEmpty("a moderation model").optional(),
    },
    { error: "must be an object naming the moderation target" },
  )
  .refine((t) => Boolean(t.virtual_key) !== Boolean(t.provider), {
    message: 'set either "virtual_key" or "provider" (with "api_key")',
  });

/**
 * `portkey.moderateContent` (Portkey's `categories`, `not`; `credentials` accepted and unused, `timeout` ms): the
 * text goes to an OpenAI-compatible `/v1/moderations` target named in `target`, called through the gateway's
 * provider layer (an attempt of the request in its log, billed); the check fails when a listed category is flagged.
 */
export const moderateContent: CheckDefinition = defineCheck(
  "portkey.moderateContent",
  {
    categories: z
      .array(z.enum(MODERATION_CATEGORIES, { error: `must be one of: ${MODERATION_CATEGORIES.join(", ")}` }), {
        error: "must be an array of moderation categories",
      })
      .min(1, "must name at least one category")
      .optional(),
    target: targetSchema.optional(),
    credentials: z.unknown().optional(),
    timeout: timeoutMs,
  },
  function buildModerateContent({ categories = DEFAULT_MODERATION, target, timeout }, at) {
    if (!target) {
      throw new InvalidConfigError(
        `${at}.target: is required (the OpenAI-compatible moderation target, e.g. {"provider":"openai","api_key":"..."}; this gateway does not call Portkey's hosted service)`,
        `${at}.target`,
      );
    }
    const settings = {
      virtualKey: target.virtual_key,
      provider: target.provider,
      apiKey: target.api_key,
      customHost: target.custom_host,
      model: target.model,
      timeoutMs: timeout ?? DEFAULT_MODERATION_TIMEOUT_MS,
    };
    const restricted = [...categories];
    return async function moderateContentCheck(input) {
      const result = await ioOf(input).moderate(settings, input.text, at.replace(/\.parameters$/, ""));
      const flagged = Object.keys(result.categories).filter((c) => result.categories[c]);
      const hits = flagged.filter((c) => restricted.includes(c));
      return {
        verdict: hits.length === 0,
        data: {
          explanation: hits.length
            ? `Found restricted content categories: ${hits.join(", ")}`
            : "No restricted content categories were found.",
          flaggedCategories: hits,
          restrictedCategories: restricted,
          allFlaggedCategories: flagged,
          moderationResults: result,
        },
      };
    };
  },
);
