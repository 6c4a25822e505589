import { BadRequestError, UpstreamUnavailableError } from "../core/errors";
import type { GuardrailIO, ModerationResult, ModerationTarget } from "../guardrails/types";
import { abortSignalOf } from "../http/abort-source";
import type { HostGuard } from "../http/host-guard";
import type { UpstreamTransport } from "../http/upstream";
import { virtualKeyHostOverride } from "../providers/provider-options";
import type { ProviderRegistry } from "../providers/registry";
import type { ProviderTarget, TransformContext } from "../providers/types";
import { runAttempt, sideCalls } from "./attempt";
import type { RequestRun } from "./request-run";

/** Most bytes of a webhook's answer read into memory. */
export const MAX_WEBHOOK_ANSWER_BYTES = 256 * 1024;

export interface GuardrailIODeps {
  readonly transport: UpstreamTransport;
  readonly providers: ProviderRegistry;
  readonly hostGuard: HostGuard;
}

/** Zero usage: a moderation call is recorded as billed (its price, usually free) rather than unknown. */
const NO_TOKENS = Object.freeze({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

function noStream(): void {}

/**
 * The network the guardrails of one request use: webhooks through the shared transport (the SSRF guard checks the
 * URL and every connection, as for custom hosts; `x-portkey-*` headers are stripped; no gateway or provider
 * credential is added), and moderation targets through the provider layer (an attempt of the request, billed).
 */
export function guardrailIO(deps: GuardrailIODeps, run: RequestRun): GuardrailIO {
  const { transport, providers, hostGuard } = deps;
  return {
    async postJson(url, body, headers, timeoutMs) {
      const checked = hostGuard.checkUrl(url);
      const signal = AbortSignal.any([abortSignalOf(run.req.signal), AbortSignal.timeout(timeoutMs)]);
      const answer = await sideCalls(transport, signal).send(
        {
          url: checked.toString(),
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify(body),
        },
        { maxBytes: MAX_WEBHOOK_ANSWER_BYTES, signal },
      );
      if (answer.status < 200 || answer.status >= 300) {
        throw new UpstreamUnavailableError(`The webhook answered HTTP ${answer.status}.`, { code: "webhook_failed" });
      }
      try {
        return JSON.parse(answer.body.toString("utf8")) as unknown;
      } catch {
        throw new UpstreamUnavailableError("The webhook's answer is not JSON.", { code: "webhook_failed" });
      }
    },

    async moderate(settings, input, checkPath) {
      const target = await moderationTarget(settings, run);
      run.noteCredentials(target);
      const adapter = await providers.load(target.provider);
      adapter.requireEndpoint("moderations");
      const body = settings.model ? { model: settings.model, input } : { input };
      const ctx: TransformContext = {
        endpoint: "moderations",
        target,
        body,
        rawBody: Buffer.from(JSON.stringify(body)),
        contentType: "application/json",
        bodyChanged: false,
      };
      const started = performance.now();
      const tried = { provider: target.provider, model: settings.model, target: checkPath };
      try {
        const result = await runAttempt({
          adapter,
          ctx,
          transport,
          clientSignal: run.req.signal,
          timeoutMs: settings.timeoutMs,
          streamIdleTimeoutMs: settings.timeoutMs,
          deadline: run.req.deadline,
          maxBodyBytes: MAX_WEBHOOK_ANSWER_BYTES,
          onStreamEnd: noStream,
        });
        if (result.kind !== "json") throw new UpstreamUnavailableError("The moderation target answered a stream.");
        run.attempts.push({ ...tried, status: result.status, latencyMs: performance.now() - started });
        run.bill(target.provider, settings.model ?? result.response.model ?? "", NO_TOKENS, false);
        return firstResult(result.response.body);
      } catch (err) {
        const status = err instanceof Error && "statusCode" in err ? Number(err.statusCode) : 502;
        run.attempts.push({ ...tried, status, latencyMs: performance.now() - started, error: "guardrail_moderation" });
        throw err;
      }
    },
  };
}

async function moderationTarget(settings: ModerationTarget, run: RequestRun): Promise<ProviderTarget> {
  if (settings.virtualKey) {
    if (!run.virtualKeys) {
      throw new BadRequestError("Virtual keys are not available on this gateway.", { code: "virtual_key_unavailable" });
    }
    if (settings.customHost) throw virtualKeyHostOverride("target.custom_host");
    return run.virtualKeys.resolve(settings.virtualKey);
  }
  return { provider: settings.provider as string, apiKey: settings.apiKey, customHost: settings.customHost };
}

/** OpenAI's `results[0]` of a moderation answer. */
function firstResult(raw: string | Buffer): ModerationResult {
  const parsed = JSON.parse(raw.toString()) as { results?: unknown[] };
  const first = parsed.results?.[0] as Partial<ModerationResult> | undefined;
  if (!first || typeof first.categories !== "object" || first.categories === null) {
    throw new UpstreamUnavailableError("The moderation target's answer has no results.", {
      code: "invalid_moderation",
    });
  }
  return { flagged: first.flagged === true, categories: first.categories, category_scores: first.category_scores };
}
