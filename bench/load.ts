import { Pool } from "undici";

/** A closed-loop load generator: `concurrency` callers, each sending its next request when the last one ends. */
export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly rps: number;
  /** Milliseconds, full response (headers + whole body). */
  readonly p50: number;
  readonly p99: number;
  /** Milliseconds to the first body byte (streams). */
  readonly ttfbP50: number;
  readonly ttfbP99: number;
}

export interface LoadOptions {
  readonly origin: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly concurrency: number;
  readonly requests: number;
  readonly warmup: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.origin, { connections: options.concurrency, pipelining: 1 });
  const latencies: number[] = [];
  const ttfbs: number[] = [];
  let errors = 0;
  let issued = 0;
  const total = options.warmup + options.requests;

  async function one(record: boolean): Promise<void> {
    const t0 = performance.now();
    try {
      const res = await pool.request({
        method: "POST",
        path: options.path,
        headers: options.headers,
        body: options.body,
      });
      let first = 0;
      for await (const _ of res.body) if (first === 0) first = performance.now();
      const t1 = performance.now();
      if (res.statusCode !== 200) errors += 1;
      if (record) {
        latencies.push(t1 - t0);
        ttfbs.push((first || t1) - t0);
      }
    } catch {
      errors += 1;
    }
  }

  let started = 0;
  async function caller(): Promise<void> {
    while (issued < total) {
      issued += 1;
      const record = issued > options.warmup;
      if (record && started === 0) started = performance.now();
      await one(record);
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  ttfbs.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ttfbP50: percentile(ttfbs, 0.5),
    ttfbP99: percentile(ttfbs, 0.99),
  };
}
