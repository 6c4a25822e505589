import { GatewayError } from "./errors";

/**
 * Libraries that only some configs need (the guardrails' regex and JSON Schema engines: 170 kB of the gateway's
 * bundle), loaded by the first compile that needs one instead of at cold start (ADR 0041). Config compilers stay
 * synchronous: one that meets an engine not loaded yet throws `EngineNotLoadedError`, and `withEngines` (at the
 * async edges: the plan resolver, the admin API's validators, the CLI) loads it and compiles again. Compiling is
 * pure, so running it again is safe; it happens once per engine per process.
 */
export class EngineNotLoadedError extends Error {
  constructor(
    readonly engine: string,
    readonly load: () => Promise<unknown>,
  ) {
    super(`The ${engine} engine is not loaded yet (compile through withEngines)`);
    this.name = "EngineNotLoadedError";
  }
}

/**
 * Code loaded on demand failed to load (a broken deployment, or a passing fault) before anything was sent
 * upstream: a 500 saying what, tried again by the next request (ADR 0044).
 */
export class OnDemandLoadError extends GatewayError {
  constructor(what: string, code: string, cause: unknown) {
    super(500, "gateway_internal_error", `The gateway could not load ${what}; nothing was sent upstream.`, {
      code,
      cause,
    });
    (this as { expose: boolean }).expose = true;
  }
}

export interface LazyEngine<T> {
  /** The loaded engine; throws `EngineNotLoadedError` before `load` resolved. */
  get(): T;
  /** Loads the engine once (concurrent callers share the import). */
  load(): Promise<T>;
}

/** Every engine declared so far (for `loadEngines`). */
const declared: LazyEngine<unknown>[] = [];

export function lazyEngine<T>(engine: string, importEngine: () => Promise<T>): LazyEngine<T> {
  let loaded: T | undefined;
  let loading: Promise<T> | undefined;
  const load = (): Promise<T> => {
    loading ??= importEngine().then(
      (value) => {
        loaded = value;
        return value;
      },
      (err: unknown) => {
        loading = undefined; // a failed import may be retried by the next compile
        throw err;
      },
    );
    return loading;
  };
  const declaration: LazyEngine<T> = {
    get() {
      if (loaded === undefined) throw new EngineNotLoadedError(engine, load);
      return loaded;
    },
    load,
  };
  declared.push(declaration);
  return declaration;
}

/** Loads every engine declared by the modules imported so far (for callers that compile synchronously: tests). */
export async function loadEngines(): Promise<void> {
  await Promise.all(declared.map((engine) => engine.load()));
}

/** More than the number of engines: each missing one costs one more run of `compile`. */
const MAX_RUNS = 4;

/** Runs a synchronous compile, loading each engine it asks for first. */
export async function withEngines<T>(compile: () => T): Promise<T> {
  for (let run = 1; ; run++) {
    try {
      return compile();
    } catch (err) {
      if (!(err instanceof EngineNotLoadedError) || run >= MAX_RUNS) throw err;
      await err.load();
    }
  }
}
