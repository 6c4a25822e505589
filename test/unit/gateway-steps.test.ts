import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { NotFoundError, PermissionError } from "../../shared/core/errors";
import type { CachedAttemptResult } from "../../shared/gateway/attempt";
import { DEFAULT_GATEWAY_BOUNDS } from "../../shared/gateway/bounds";
import { runRequest } from "../../shared/gateway/core";
import { matchEndpoint } from "../../shared/gateway/endpoints";
import type { LeafStep } from "../../shared/gateway/leaf-run";
import { runLeaf } from "../../shared/gateway/leaf-runner";
import { readPortkeyHeaders } from "../../shared/gateway/portkey-headers";
import { RequestRun, type RequestStep } from "../../shared/gateway/request-run";
import { createHostGuard } from "../../shared/http/host-guard";
import type { CoreRequest, CoreResponse } from "../../shared/http/types";
import type { UpstreamTransport } from "../../shared/http/upstream";
import { defaultProviderRegistry } from "../../shared/providers/registry";
import { HEADER_ONLY_PLAN, type LeafNode } from "../../shared/routing/plan";

/**
 * The step model's rules (docs/architecture.md, "One request through the gateway"; ADR 0023): `before` hooks in
 * order until one answers or throws, `after` and `finish` hooks in reverse for the steps entered, once.
 */
function chatRequest(): CoreRequest {
  return {
    method: "POST",
    path: "/v1/chat/completions",
    query: new URLSearchParams(),
    headers: {
      "content-type": "application/json",
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": "http://127.0.0.1:9/v1",
      authorization: "Bearer sk-test",
    },
    body: Buffer.from(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })),
    signal: new AbortController().signal,
  };
}

type Plan = { answer?: CoreResponse; throws?: Error };

function requestStep(name: string, log: string[], plan: Plan = {}): RequestStep {
  return {
    name,
    before: () => {
      log.push(`before ${name}`);
      if (plan.throws) throw plan.throws;
      return plan.answer;
    },
    after: (_run, res) => {
      log.push(`after ${name} ${res.status}`);
      return { ...res, headers: { ...res.headers, [`x-step-${name}`]: "seen" } };
    },
    finish: (_run, end) => {
      log.push(`finish ${name} ${end.status}`);
    },
  };
}

/** The plan's execution as the core does it for a JSON answer: the request is over when the answer is built. */
function executeAnswering(log: string[]) {
  return async (run: RequestRun): Promise<CoreResponse> => {
    log.push("execute");
    run.finish({ status: 200 });
    return { status: 200, headers: {}, body: "{}" };
  };
}

describe("request steps", () => {
  it("run before in order, then the plan, then finish and after in reverse", async () => {
    // Prepare
    const log: string[] = [];
    const steps = ["a", "b", "c"].map((name) => requestStep(name, log));
    const run = new RequestRun({ steps, logBodies: false }, chatRequest());
    // Act
    const res = await runRequest(run, executeAnswering(log));
    // Assess
    expect(log).toEqual([
      "before a",
      "before b",
      "before c",
      "execute",
      "finish c 200",
      "finish b 200",
      "finish a 200",
      "after c 200",
      "after b 200",
      "after a 200",
    ]);
    expect(res.headers).toEqual({ "x-step-a": "seen", "x-step-b": "seen", "x-step-c": "seen" });
  });

  it("stop at a step that answers: no later step, no plan; the entered steps' hooks run, the answering one's too", async () => {
    // Prepare
    const log: string[] = [];
    const steps = [
      requestStep("a", log),
      requestStep("b", log, { answer: { status: 204, headers: {}, body: "" } }),
      requestStep("c", log),
    ];
    const run = new RequestRun({ steps, logBodies: false }, chatRequest());
    // Act
    const res = await runRequest(run, executeAnswering(log));
    // Assess
    expect(res.status).toBe(204);
    expect(log).toEqual(["before a", "before b", "finish b 204", "finish a 204", "after b 204", "after a 204"]);
  });

  it("answer a step's error in OpenAI's shape, and the entered steps see that answer", async () => {
    // Prepare
    const log: string[] = [];
    const steps = [
      requestStep("a", log),
      requestStep("b", log, { throws: new NotFoundError("No such thing.", { code: "unknown_route" }) }),
      requestStep("c", log),
    ];
    const run = new RequestRun({ steps, logBodies: false }, chatRequest());
    // Act
    const res = await runRequest(run, executeAnswering(log));
    // Assess
    expect(res.status).toBe(404);
    expect(JSON.parse(String(res.body))).toEqual({
      error: { message: "No such thing.", type: "invalid_request_error", param: null, code: "unknown_route" },
    });
    expect(res.headers).toMatchObject({ "x-step-a": "seen", "x-step-b": "seen" });
    expect(log).toEqual(["before a", "before b", "finish b 404", "finish a 404", "after b 404", "after a 404"]);
  });

  it("finish once, however often the request's end is reported", async () => {
    // Prepare
    const log: string[] = [];
    const run = new RequestRun({ steps: [requestStep("a", log)], logBodies: false }, chatRequest());
    run.entered = 1;
    // Act
    run.finish({ status: 200 });
    run.finish({ status: 502 });
    // Assess
    expect(log).toEqual(["finish a 200"]);
  });
});

/** An upstream answering one chat completion (or `status` with an OpenAI error), counting its calls. */
function upstream(status = 200): UpstreamTransport & { calls: number } {
  const transport = {
    calls: 0,
    async send() {
      transport.calls += 1;
      const body =
        status === 200
          ? { id: "c", object: "chat.completion", model: "gpt-4o-mini", choices: [] }
          : { error: { message: "down", type: "server_error", param: null, code: null } };
      return {
        status,
        headers: { "content-type": "application/json" },
        body: Readable.from([Buffer.from(JSON.stringify(body))]),
      };
    },
    close: async () => undefined,
  };
  return transport;
}

function leafStep(
  name: string,
  log: string[],
  plan: { answer?: CachedAttemptResult; afterThrows?: Error } = {},
): LeafStep {
  return {
    name,
    before: () => {
      log.push(`before ${name}`);
      return plan.answer;
    },
    after: (_leaf, result) => {
      log.push(`after ${name} ${result.status}`);
      if (plan.afterThrows) throw plan.afterThrows;
      return result;
    },
    failed: () => {
      log.push(`failed ${name}`);
    },
  };
}

/** A request past its request steps (routed, headers read), and the one target its headers name. */
function leafSetup(transport: UpstreamTransport, steps: LeafStep[]) {
  const req = chatRequest();
  const run = new RequestRun({ steps: [], logBodies: false }, req);
  const match = matchEndpoint(req.method, req.path);
  run.route = match instanceof Error ? undefined : match.route;
  run.headers = readPortkeyHeaders(req.headers);
  run.body = JSON.parse(req.body.toString()) as Record<string, unknown>;
  const shared = {
    deps: {
      providers: defaultProviderRegistry(),
      transport,
      hostGuard: createHostGuard("loopback"),
      streamIdleTimeoutMs: 10_000,
    },
    bounds: DEFAULT_GATEWAY_BOUNDS,
    steps,
  };
  return { run, attempt: () => runLeaf(run, HEADER_ONLY_PLAN.root as LeafNode, shared) };
}

const CACHED: CachedAttemptResult = {
  kind: "json",
  status: 200,
  headers: {},
  response: { body: "{}", contentType: "application/json", model: "m" },
  latencyMs: 0,
};

describe("leaf steps", () => {
  it("run before in order, then the upstream call (one attempt recorded), then after in reverse", async () => {
    // Prepare
    const log: string[] = [];
    const transport = upstream();
    const { run, attempt } = leafSetup(transport, [leafStep("a", log), leafStep("b", log)]);
    // Act
    const result = await attempt();
    // Assess
    expect(result.status).toBe(200);
    expect(transport.calls).toBe(1);
    expect(log).toEqual(["before a", "before b", "after b 200", "after a 200"]);
    expect(run.attempts).toMatchObject([{ provider: "openai", status: 200 }]);
  });

  it("stop at a step that answers: no upstream call, no attempt recorded; the entered steps' after hooks run", async () => {
    // Prepare
    const log: string[] = [];
    const transport = upstream();
    const { run, attempt } = leafSetup(transport, [
      leafStep("a", log),
      leafStep("b", log, { answer: CACHED }),
      leafStep("c", log),
    ]);
    // Act
    const result = await attempt();
    // Assess
    expect(result).toBe(CACHED);
    expect(transport.calls).toBe(0);
    expect(run.attempts).toEqual([]);
    expect(log).toEqual(["before a", "before b", "after b 200", "after a 200"]);
  });

  it("tell every entered step when the upstream fails, in reverse, and record the failed attempt", async () => {
    // Prepare
    const log: string[] = [];
    const { run, attempt } = leafSetup(upstream(503), [leafStep("a", log), leafStep("b", log)]);
    // Act
    const failure = await attempt().then(
      () => undefined,
      (err: unknown) => err,
    );
    // Assess
    expect(failure).toMatchObject({ statusCode: 503 });
    expect(log).toEqual(["before a", "before b", "failed b", "failed a"]);
    expect(run.attempts).toMatchObject([{ provider: "openai", status: 503 }]);
  });

  it("refuse an answer an after hook throws on: the steps whose after did not run are told it failed", async () => {
    // Prepare
    const log: string[] = [];
    const denied = new PermissionError("Denied by a hook.", { code: "hook_denied" });
    const { run, attempt } = leafSetup(upstream(), [
      leafStep("a", log),
      leafStep("b", log, { afterThrows: denied }),
      leafStep("c", log),
    ]);
    // Act
    const failure = await attempt().then(
      () => undefined,
      (err: unknown) => err,
    );
    // Assess
    expect(failure).toBe(denied);
    expect(log).toEqual(["before a", "before b", "before c", "after c 200", "after b 200", "failed a"]);
    expect(run.attempts).toMatchObject([{ provider: "openai", status: 403, error: "hook_denied" }]);
  });
});
