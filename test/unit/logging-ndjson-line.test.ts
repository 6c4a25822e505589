import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RequestRun } from "../../shared/gateway/request-run";
import { toNdjsonBytes } from "../../shared/logging/log-sink";
import { createNdjsonFileSink } from "../../shared/logging/ndjson-file-sink";
import { lineParts, ndjsonLine, writeJsonString, writeLineInPlace } from "../../shared/logging/ndjson-line";
import type { RequestLogRecord } from "../../shared/logging/record";
import { DEFAULT_RECORD_OPTIONS, toRecord } from "../../shared/logging/record-builder";
import { REDACTED } from "../../shared/logging/redact";
import type { RequestSummary } from "../../shared/logging/request-summary";
import { requestSummary } from "../support/request-summary";

function summary(fields: Partial<RequestSummary>): RequestSummary {
  return requestSummary({
    traceId: "trace-1",
    startedAt: Date.parse("2026-11-30T10:00:00.000Z"),
    workspaceId: "ws-1",
    modelRequested: "gpt-4o",
    latencyMs: 1,
    logBodies: true,
    ...fields,
  });
}

function record(fields: Partial<RequestSummary>, bodyLimitBytes = DEFAULT_RECORD_OPTIONS.bodyLimitBytes) {
  return toRecord(summary(fields), { id: "row-1" }, { ...DEFAULT_RECORD_OPTIONS, bodyLimitBytes });
}

/** What a sink writes for the row, parsed back (one line, newline-terminated). */
function written(row: RequestLogRecord): { text: string; parsed: unknown } {
  const text = toNdjsonBytes(row).toString("utf8");
  expect(text.endsWith("\n")).toBe(true);
  expect(text.indexOf("\n")).toBe(text.length - 1);
  return { text, parsed: JSON.parse(text) };
}

const SSE = Buffer.from(
  'data: {"id":"c1","choices":[{"delta":{"content":"Grüße \\"quoted\\" \\\\ tab\\t ✓ 🎉"}}]}\n\n' +
    'data: {"id":"c1","choices":[{"delta":{},"finish_reason":"stop"}]}\r\n\r\ndata: [DONE]\n\n',
);

describe("NDJSON line of a request row (bodies escaped from their bytes)", () => {
  it("escapes any valid UTF-8 exactly as JSON.stringify does (control characters, quotes, backslashes, emoji)", () => {
    const dst = Buffer.alloc(64 * 1024);
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        const bytes = Buffer.from(text);
        // only well-formed text reaches the byte path (a lone surrogate encodes to U+FFFD)
        fc.pre(bytes.toString("utf8") === text);
        const end = writeJsonString(bytes, dst, 3);
        expect(dst.toString("utf8", 3, end)).toBe(JSON.stringify(text));
      }),
      { numRuns: 500 },
    );
  });

  it("writes a streamed answer and the request body as they came, and the line parses to the row", () => {
    const requestBody = Buffer.from('{"model":"gpt-4o","messages":[{"role":"user","content":"a\\nb ✓"}]}');
    const row = record({ requestBody, responseBody: SSE, stream: true });
    expect(row.request_body).toBe(requestBody.toString());
    expect(row.response_body).toBe(SSE.toString());
    const { text, parsed } = written(row);
    expect(parsed).toEqual(row);
    // the bodies are the line's last keys, and the row object still has them
    expect(text).toContain(`,"request_body":${JSON.stringify(row.request_body)},"response_body":`);
    expect(text.endsWith(`${JSON.stringify(SSE.toString())}}\n`)).toBe(true);
    expect(Object.keys(row)).toContain("response_body");
    const line = ndjsonLine(row);
    expect(line.json.startsWith('{"schema_version":')).toBe(true);
    expect(line.json).not.toContain('request_body"');
    expect(line.tail.length).toBeGreaterThan(SSE.length);
  });

  it("writes the redacted text when redaction changed a body, never the bytes that held the secret", () => {
    const key = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX";
    const body = Buffer.from(`data: {"echo":"${key}"}\n\n`);
    const row = record({ responseBody: body, requestBody: Buffer.from(`{"auth":"Bearer ${key}"}`) });
    const { text, parsed } = written(row);
    expect(text).not.toContain(key);
    expect(text).toContain(REDACTED);
    expect(parsed).toEqual(row);
  });

  it("writes a body with invalid UTF-8 as its decoded text (U+FFFD), and a truncated body as cut", () => {
    const invalid = Buffer.concat([Buffer.from('data: {"x":"'), Buffer.from([0xff, 0xc3]), Buffer.from('"}\n\n')]);
    const row = record({ responseBody: invalid });
    expect(row.response_body).toContain("\uFFFD");
    expect(written(row).parsed).toEqual(row);

    const long = record({ responseBody: Buffer.from("é".repeat(100)) }, 64);
    expect(long.response_body_truncated).toBe(true);
    expect(written(long).parsed).toEqual(long);
  });

  it("writes a body changed after the row was built, and a copy of the row, from their current text", () => {
    const row = record({ responseBody: SSE, requestBody: Buffer.from('{"a":1}') });
    const copy = { ...row, request_body: '{"b":2}' };
    expect(written(copy).parsed).toEqual(copy);
    row.response_body = "replaced";
    row.request_body = null;
    expect(written(row).parsed).toEqual(row);
    expect(written(row).text).not.toContain("[DONE]");
  });

  it("writes rows without body bytes (text bodies, no bodies) as their JSON.stringify", () => {
    for (const row of [record({ responseBody: "plain text answer" }), record({ logBodies: false })]) {
      expect(toNdjsonBytes(row).toString("utf8")).toBe(`${JSON.stringify(row)}\n`);
    }
  });

  it("keeps each line intact when rows are encoded one after another (the tail buffer is reused)", () => {
    const a = record({ responseBody: SSE });
    const b = record({ responseBody: Buffer.from("x".repeat(200_000)) }, 300_000);
    const c = record({ responseBody: Buffer.from("short") });
    const lines = [a, b, c, a].map((row) => toNdjsonBytes(row).toString("utf8"));
    expect(lines.map((line) => JSON.parse(line))).toEqual([a, b, c, a]);
  });

  it("logs a streamed character whose UTF-8 bytes the upstream split across two chunks", () => {
    const run = new RequestRun(
      { steps: [], logBodies: true },
      {
        method: "POST",
        path: "/v1/chat/completions",
        query: new URLSearchParams(),
        headers: {},
        body: Buffer.from("{}"),
        signal: new AbortController().signal,
      },
    );
    const event = Buffer.from('data: {"choices":[{"delta":{"content":"né 🎉"}}]}\n\n');
    const cut = event.indexOf(0xa9); // inside "é" (c3 a9)
    const emojiCut = event.indexOf(0xf0) + 2; // inside the emoji's four bytes
    for (const part of [event.subarray(0, cut), event.subarray(cut, emojiCut), event.subarray(emojiCut)]) {
      run.captureStream(part);
    }
    const row = record({ responseBody: run.streamedBody() });
    expect(row.response_body).toBe(event.toString());
    expect(written(row).parsed).toEqual(row);
  });

  it("writes a line in place only when it surely fits, and then byte for byte as the copied line", () => {
    const controls = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 32));
    for (const row of [
      record({ responseBody: SSE, requestBody: Buffer.from('{"a":"\u0001"}') }),
      record({ responseBody: controls }), // \u00XX escapes: 6 bytes for one
      record({ responseBody: "text body" }),
    ]) {
      const expected = toNdjsonBytes(row);
      let wrote = 0;
      for (let size = 0; size < expected.length * 4; size += 7) {
        const dst = Buffer.alloc(size + 5, 0xee);
        const end = writeLineInPlace(lineParts(row), dst, 5);
        if (end === -1) continue;
        wrote += 1;
        expect(dst.subarray(5, end).equals(expected)).toBe(true);
      }
      expect(wrote).toBeGreaterThan(0);
    }
  });

  it("the file sink writes rows with any mix of bodies whole, across chunk boundaries, each line its row", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ndjson-line-"));
    try {
      const sink = createNdjsonFileSink({ dataDir, onUndelivered: () => {}, flushRows: 10_000 });
      const bodies = [
        SSE,
        Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 32)), // 6 bytes each: never fits the usual bound
        Buffer.from("ok"),
        Buffer.from("x".repeat(30_000)),
        Buffer.concat([SSE, Buffer.from([0xff])]), // invalid UTF-8: the text path
      ];
      const input = Array.from({ length: 200 }, (_, i) =>
        record({ responseBody: bodies[i % bodies.length], requestBody: Buffer.from(`{"n":${i}}`) }),
      );
      for (const row of input) sink.enqueue(row);
      await sink.close();
      const [day] = readdirSync(join(dataDir, "logs"));
      const text = readdirSync(join(dataDir, "logs", `${day}`))
        .map((file) => readFileSync(join(dataDir, "logs", `${day}`, file), "utf8"))
        .join("");
      expect(
        text
          .split("\n")
          .slice(0, -1)
          .map((line) => JSON.parse(line)),
      ).toEqual(input);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
