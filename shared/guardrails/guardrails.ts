import { endpointsWhere } from "../core/endpoints";
import type { ErrorBody } from "../core/errors";
import { EngineNotLoadedError, lazyEngine, withEngines } from "../core/lazy-engine";
import type { GuardrailRecord } from "../logging/record";
import type { Endpoint, TranslatedResponse } from "../providers/types";
import type { PhaseOutcome, PhaseSubject } from "./evaluate";
import { GUARDRAIL_FLAG_STATUS, GuardrailDeniedError } from "./guardrail-error";
import type { StreamGuardFilter } from "./stream-guard";
import type { CompiledHooks, GuardrailIO, HookResults, StreamRedactor } from "./types";

/**
 * The gateway's guardrails (Portkey hooks) as the core uses them:
 *
 *   const run = guardrails.start(context);                        // once per client request
 *   const guard = await run.before(leaf, endpoint, body, provider); // per target: may throw 446; guard.body: transformed
 *   const result = guard ? await guard.after(answer) : answer;    // may throw 446, or add 246/hook_results/transforms
 *
 * Streams: before-request hooks apply (a deny is a 446 before any byte; a non-deny failure makes the stream's
 * status 246). After-request hooks judge the streamed text through `guard.streamFilter()` (ADR 0032): redaction as
 * the events flow, the verdict when the upstream ends (a deny ends the stream with an SSE error event).
 */
/** A routing target with its hook lists (a plan's `LeafNode`, shared/routing/plan.ts). */
export interface HookedTarget {
  readonly beforeRequestHooks?: readonly unknown[];
  readonly afterRequestHooks?: readonly unknown[];
}

/** A complete JSON answer, as after-request hooks judge it (the gateway's `JsonAttempt`). */
interface JsonAnswer {
  readonly kind: "json";
  readonly status: number;
  readonly response: TranslatedResponse;
}

/** A cached answer replayed as SSE events (the gateway's `CachedStreamAttempt`). */
interface ReplayedStream {
  readonly kind: "cached-stream";
  readonly status: number;
  readonly events: readonly string[];
}

/** What one request gives its checks: its network and metadata. */
export interface GuardrailContext {
  readonly io?: GuardrailIO;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface Guardrails {
  start(context: GuardrailContext): GuardrailRun;
}

export interface GuardrailRun {
  /** Every hook evaluated for this request (all targets tried, async hooks included), for the request log. */
  readonly records: readonly GuardrailRecord[];
  /**
   * Runs the target's before-request hooks (once per target and request: retries reuse the verdict and the
   * transformed body). Throws `GuardrailDeniedError` (446) when a hook with `deny: true` fails; undefined when the
   * target has no hooks.
   */
  before(
    leaf: HookedTarget,
    endpoint: Endpoint,
    body: Readonly<Record<string, unknown>>,
    provider: string,
  ): Promise<LeafGuard | undefined>;
}

export interface LeafGuard {
  /** The request body as the before-request hooks left it, when one transformed it (send this upstream). */
  readonly body: Record<string, unknown> | undefined;
  /**
   * Runs the after-request hooks on a JSON answer (or a cached SSE replay) and returns the answer to send: with
   * the hooks' transforms, `hook_results` added and status 246 when a hook failed without deny. Throws
   * `GuardrailDeniedError` (446) on a deny.
   */
  after<R extends { readonly kind: string; readonly status: number }>(result: R): Promise<R>;
  /** For a streamed answer: the filter its events pass through when after-request hooks apply (else undefined). */
  streamFilter(): StreamGuardFilter | undefined;
}

const NO_HOOKS: PhaseOutcome = Object.freeze({ results: [], failed: false, denied: false, records: [] });

function parseObject(body: string | Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The redactors of the synchronous after-request hooks, in order (what a stream rewrites as it flows). */
const redactorsOf = new WeakMap<CompiledHooks, readonly StreamRedactor[]>();
function streamRedactors(hooks: CompiledHooks): readonly StreamRedactor[] {
  let list = redactorsOf.get(hooks);
  if (!list) {
    list = hooks
      .filter((h) => !h.async)
      .flatMap((h) => h.checks.flatMap((c) => (c.streamRedactor ? [c.streamRedactor] : [])));
    redactorsOf.set(hooks, list);
  }
  return list;
}

interface LeafGuardInput {
  readonly endpoint: Endpoint;
  readonly provider: string;
  readonly context: GuardrailContext;
  readonly placeholders: Map<string, string>;
  readonly body: Readonly<Record<string, unknown>>;
  readonly before: PhaseOutcome;
  readonly afterHooks: CompiledHooks | undefined;
  readonly records: GuardrailRecord[];
}

function createLeafGuard(input: LeafGuardInput): LeafGuard {
  const { endpoint, provider, context, placeholders, body, before, afterHooks, records } = input;
  const subject = (extra: Partial<PhaseSubject>): PhaseSubject => ({
    phase: "after_request",
    endpoint,
    provider,
    metadata: context.metadata,
    placeholders,
    io: context.io,
    request: body,
    ...extra,
  });

  async function guardJson(answer: JsonAnswer): Promise<JsonAnswer> {
    let after = NO_HOOKS;
    // As in Portkey: after-request hooks judge successful (200) answers only.
    if (afterHooks && answer.status === 200) {
      const json = parseObject(answer.response.body);
      if (json) {
        after = await hookCode.get().evaluateHooks(afterHooks, subject({ response: json }));
        records.push(...after.records);
      }
    }
    const hookResults: HookResults = { before_request_hooks: before.results, after_request_hooks: after.results };
    if (after.denied) throw new GuardrailDeniedError(hookResults);
    const answerBody = after.transformed ? JSON.stringify(after.transformed) : answer.response.body;
    if (hookResults.before_request_hooks.length === 0 && hookResults.after_request_hooks.length === 0) return answer;
    const withResults = hookCode.get().withHookResults(answerBody, hookResults);
    const flagged = (before.failed || after.failed) && answer.status === 200;
    return {
      ...answer,
      status: flagged ? GUARDRAIL_FLAG_STATUS : answer.status,
      response: { ...answer.response, body: withResults ?? answerBody },
    };
  }

  function judgeStream(): (text: string) => Promise<ErrorBody | undefined> {
    return async (text) => {
      const after = await hookCode.get().evaluateHooks(afterHooks as CompiledHooks, subject({ streamedText: text }));
      records.push(...after.records);
      if (!after.denied) return undefined;
      return new GuardrailDeniedError({
        before_request_hooks: before.results,
        after_request_hooks: after.results,
      }).toBody();
    };
  }

  function streamFilter(): StreamGuardFilter | undefined {
    if (!afterHooks) return undefined;
    return hookCode
      .get()
      .createStreamGuardFilter(endpoint === "completions", streamRedactors(afterHooks), placeholders, judgeStream());
  }

  /** A cached answer replayed as events: judged like a stream, but before any byte is sent (a deny is a 446). */
  async function guardReplay(replay: ReplayedStream): Promise<ReplayedStream> {
    const filter = streamFilter();
    if (!filter) return replay;
    const events = replay.events.map((e) => filter.output(e)).filter((e) => e !== "");
    const end = await filter.end("");
    if ("error" in end) {
      const denied = end.error as ErrorBody & { hook_results: HookResults };
      throw new GuardrailDeniedError(denied.hook_results);
    }
    return { ...replay, events: end.tail ? [...events, end.tail] : events };
  }

  return {
    body: before.transformed,
    async after<R extends { readonly kind: string; readonly status: number }>(result: R): Promise<R> {
      if (result.kind === "json") return (await guardJson(result as unknown as JsonAnswer)) as unknown as R;
      if (result.kind === "cached-stream")
        return (await guardReplay(result as unknown as ReplayedStream)) as unknown as R;
      if (result.kind === "stream" && before.failed && result.status === 200) {
        return { ...result, status: GUARDRAIL_FLAG_STATUS };
      }
      return result;
    },
    streamFilter,
  };
}

/**
 * Endpoints whose hooks run: the endpoint table's `guarded` (as Portkey: chat and text completions, and Responses).
 * Here, not with the hooks' text extraction (`hook-text.ts`), which loads with the first hooks (ADR 0044).
 */
const GUARDED_ENDPOINTS: ReadonlySet<Endpoint> = endpointsWhere((row) => row.guarded);

/**
 * The hooks' code (`compile-hooks.ts`: the hook schemas, saved-guardrail references; the evaluation, the stream
 * filter, `hook_results`), loaded with the first target that has hooks, not at cold start (ADR 0044). Everything
 * below that runs hooks runs after `hooksOf` returned some.
 */
const hookCode = lazyEngine("guardrail hooks", async () => {
  const [compiler, evaluate, streamGuard, results] = await Promise.all([
    import("./compile-hooks"),
    import("./evaluate"),
    import("./stream-guard"),
    import("./hook-results-body"),
  ]);
  return { ...compiler, ...evaluate, ...streamGuard, ...results };
});

/**
 * `compiledHooksOf`; a list compiled here for the first time may need an engine that loads on first use (ADR 0041).
 */
function hooksOf(hooks: readonly unknown[]): CompiledHooks | undefined | Promise<CompiledHooks | undefined> {
  const compiledHooksOf = () => hookCode.get().compiledHooksOf(hooks);
  try {
    return compiledHooksOf();
  } catch (err) {
    if (err instanceof EngineNotLoadedError) return withEngines(compiledHooksOf);
    throw err;
  }
}

/** Builds the guardrails dependency of the gateway core. Stateless: hooks are compiled with their config. */
export function createGuardrails(): Guardrails {
  return {
    start(context: GuardrailContext): GuardrailRun {
      const records: GuardrailRecord[] = [];
      const beforeByLeaf = new Map<HookedTarget, PhaseOutcome>();
      // one value, one placeholder, for the whole request (its body, every target's answer)
      const placeholders = new Map<string, string>();
      return {
        records,
        async before(leaf, endpoint, body, provider) {
          if (!GUARDED_ENDPOINTS.has(endpoint)) return undefined;
          const beforeHooks = leaf.beforeRequestHooks?.length ? await hooksOf(leaf.beforeRequestHooks) : undefined;
          const afterHooks = leaf.afterRequestHooks?.length ? await hooksOf(leaf.afterRequestHooks) : undefined;
          if (!beforeHooks && !afterHooks) return undefined;
          let before = beforeByLeaf.get(leaf);
          if (!before) {
            before = beforeHooks
              ? await hookCode.get().evaluateHooks(beforeHooks, {
                  phase: "before_request",
                  endpoint,
                  provider,
                  metadata: context.metadata,
                  placeholders,
                  io: context.io,
                  request: body,
                })
              : NO_HOOKS;
            beforeByLeaf.set(leaf, before);
            records.push(...before.records);
          }
          if (before.denied) {
            throw new GuardrailDeniedError({ before_request_hooks: before.results, after_request_hooks: [] });
          }
          return createLeafGuard({
            endpoint,
            provider,
            context,
            placeholders,
            body: before.transformed ?? body,
            before,
            afterHooks,
            records,
          });
        },
      };
    },
  };
}
