import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createFirehoseSink,
  type PutRecordBatchPort,
  type RecordFailure,
  toBatches,
} from "../../shared/aws/firehose-sink";
import type { UndeliveredRows } from "../../shared/logging/log-sink";
import { createNdjsonFileSink } from "../../shared/logging/ndjson-file-sink";
import type { RequestLogRecord } from "../../shared/logging/record";
import { generateLogRecords } from "./analytics-log-generator";

function rows(count: number, bodyChars = 0): RequestLogRecord[] {
  return [
    ...generateLogRecords({
      count,
      seed: 1,
      startMs: Date.parse("2026-10-01T23:00:00Z"),
      spanMs: 2 * 3_600_000,
      workspaces: ["ws"],
      bodyChars,
    }),
  ];
}

/** Fake Firehose: records every call; `fail(call, data)` decides per record which ones fail. */
function fakePort(fail: (call: number, index: number) => string | null, throwOn: number[] = []) {
  const calls: Uint8Array[][] = [];
  const delivered: string[] = [];
  const port: PutRecordBatchPort = {
    async putRecordBatch(records) {
      calls.push([...records]);
      const call = calls.length;
      if (throwOn.includes(call)) throw Object.assign(new Error("boom"), { name: "ServiceUnavailableException" });
      const failures: RecordFailure[] = [];
      records.forEach((data, index) => {
        const code = fail(call, index);
        if (code) failures.push({ index, code, message: "nope" });
        else delivered.push(Buffer.from(data).toString("utf8"));
      });
      return { failures };
    },
  };
  return { port, calls, delivered };
}

const noSleep = async () => {};

describe("Firehose sink", () => {
  it("splits into calls of at most 500 records and 4 MiB", () => {
    const entries = Array.from({ length: 1200 }, () => ({ data: new Uint8Array(1000) }));
    expect(toBatches(entries).map((b) => b.length)).toEqual([500, 500, 200]);
    const big = Array.from({ length: 10 }, () => ({ data: new Uint8Array(1024 * 1024) }));
    expect(toBatches(big).map((b) => b.length)).toEqual([4, 4, 2]);
  });

  it("sends newline-terminated JSON and retries only the failed entries", async () => {
    // Prepare: on the first call, records 1 and 3 fail.
    const fake = fakePort((call, index) =>
      call === 1 && (index === 1 || index === 3) ? "ServiceUnavailableException" : null,
    );
    const undelivered: UndeliveredRows[] = [];
    const sink = createFirehoseSink({ port: fake.port, onUndelivered: (u) => undelivered.push(u), sleep: noSleep });
    const input = rows(5);
    // Act
    for (const row of input) sink.enqueue(row);
    await sink.flush();
    // Assess
    expect(fake.calls.map((c) => c.length)).toEqual([5, 2]);
    expect(fake.delivered.every((line) => line.endsWith("}\n"))).toBe(true);
    expect(fake.delivered.map((line) => JSON.parse(line).id).sort()).toEqual(input.map((r) => r.id).sort());
    expect(undelivered).toEqual([]);
  });

  it("hands rows to onUndelivered after bounded retries, never throwing from flush", async () => {
    const fake = fakePort((_call, index) => (index === 0 ? "InternalFailure" : null), [2]);
    const undelivered: UndeliveredRows[] = [];
    const sink = createFirehoseSink({
      port: fake.port,
      onUndelivered: (u) => undelivered.push(u),
      maxRetries: 2,
      sleep: noSleep,
    });
    const input = rows(3);
    for (const row of input) sink.enqueue(row);
    await expect(sink.flush()).resolves.toBeUndefined();
    expect(fake.calls).toHaveLength(3);
    expect(undelivered).toHaveLength(1);
    expect(undelivered[0]?.rows.map((r) => r.id)).toEqual([input[0]?.id]);
    expect(undelivered[0]?.reason).toContain("InternalFailure");
  });

  it("does not retry a missing delivery stream", async () => {
    const port: PutRecordBatchPort = {
      async putRecordBatch() {
        throw Object.assign(new Error("no stream"), { name: "ResourceNotFoundException" });
      },
    };
    const undelivered: UndeliveredRows[] = [];
    let sleeps = 0;
    const sink = createFirehoseSink({
      port,
      onUndelivered: (u) => undelivered.push(u),
      sleep: async () => void sleeps++,
    });
    sink.enqueue(rows(1)[0] as RequestLogRecord);
    await sink.flush();
    expect(sleeps).toBe(0);
    expect(undelivered[0]?.reason).toContain("ResourceNotFoundException");
  });
});

describe("NDJSON file sink", () => {
  it("appends rows under logs/dt=<day of ts>/ and rotates files by size", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ndjson-sink-"));
    try {
      const sink = createNdjsonFileSink({ dataDir, onUndelivered: () => {}, rotateBytes: 4096, flushRows: 10 });
      const input = rows(60, 100);
      for (const row of input) sink.enqueue(row);
      await sink.close();
      const days = readdirSync(join(dataDir, "logs")).sort();
      expect(days).toEqual(["dt=2026-10-01", "dt=2026-10-02"]);
      const lines: string[] = [];
      let files = 0;
      for (const day of days) {
        for (const file of readdirSync(join(dataDir, "logs", day))) {
          files++;
          const text = readFileSync(join(dataDir, "logs", day, file), "utf8");
          expect(text.endsWith("\n")).toBe(true);
          lines.push(...text.trim().split("\n"));
        }
      }
      expect(files).toBeGreaterThan(2);
      expect(lines.map((l) => JSON.parse(l).id)).toEqual(input.map((r) => r.id));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("writes every line whole and in order across flushes that overlap new rows (chunk buffers are reused)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ndjson-sink-"));
    try {
      const sink = createNdjsonFileSink({ dataDir, onUndelivered: () => {}, flushRows: 40 });
      // ~2 KB rows: each flush writes several 64 KiB chunks, and rows keep arriving while it does
      const input = rows(400, 2000).map((row, i) =>
        i === 123 ? { ...row, response_body: `é€😀${"x".repeat(100_000)}` } : { ...row, metadata: { n: `ü${i}` } },
      );
      const flushes: Promise<void>[] = [];
      for (const [i, row] of input.entries()) {
        sink.enqueue(row);
        if (i % 25 === 0) flushes.push(sink.flush());
        if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(flushes);
      await sink.close();
      // one file per day (far below the rotation size): its lines, in order, are exactly the rows' JSON
      for (const day of readdirSync(join(dataDir, "logs"))) {
        const files = readdirSync(join(dataDir, "logs", day));
        expect(files).toHaveLength(1);
        const text = readFileSync(join(dataDir, "logs", day, files[0] as string), "utf8");
        const expected = input.filter((r) => `dt=${r.ts.slice(0, 10)}` === day).map((r) => JSON.stringify(r));
        expect(text).toBe(`${expected.join("\n")}\n`);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("reports rows it cannot write instead of dropping them", async () => {
    // Prepare: the "data directory" is a regular file, so creating logs/ under it fails.
    const dir = mkdtempSync(join(tmpdir(), "ndjson-sink-"));
    const notADir = join(dir, "file");
    writeFileSync(notADir, "");
    const undelivered: UndeliveredRows[] = [];
    const sink = createNdjsonFileSink({ dataDir: notADir, onUndelivered: (u) => undelivered.push(u) });
    try {
      sink.enqueue(rows(1)[0] as RequestLogRecord);
      await sink.close();
      expect(undelivered.flatMap((u) => u.rows)).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
