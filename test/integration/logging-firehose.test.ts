import { CreateDeliveryStreamCommand, FirehoseClient } from "@aws-sdk/client-firehose";
import { beforeAll, describe, expect, it } from "vitest";
import { createFirehoseSink, firehosePort } from "../../shared/aws/firehose-sink";
import { createLoggingObserver } from "../../shared/gateway/log-observer";
import type { UndeliveredRows } from "../../shared/logging/log-sink";
import { createMemorySink } from "../../shared/logging/log-sink";
import { logRowSchema } from "../../shared/logging/record-schema";
import { motoClientConfig } from "../support/aws-env";
import { s3 } from "../support/moto-s3";
import { requestSummary as finished } from "../support/request-summary";

const BUCKET = "gateway-logs";

const STREAM = "gateway-request-logs";

describe("Firehose sink against moto", () => {
  let client: FirehoseClient;

  beforeAll(async () => {
    await s3("PUT", `/${BUCKET}`);
    client = new FirehoseClient(motoClientConfig());
    await client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: STREAM,
        DeliveryStreamType: "DirectPut",
        ExtendedS3DestinationConfiguration: {
          BucketARN: `arn:aws:s3:::${BUCKET}`,
          RoleARN: "arn:aws:iam::123456789012:role/firehose",
          Prefix: "logs/dt=!{timestamp:yyyy-MM-dd}/",
          ErrorOutputPrefix: "errors/",
          BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 5 },
        },
      }),
    );
  });

  it("delivers every record of an invocation to S3 as NDJSON that parses back to the schema", async () => {
    // Prepare: records made by the real builder.
    const built = createMemorySink();
    const observer = createLoggingObserver({ sink: built });
    for (let i = 0; i < 7; i++) {
      observer.finish(
        finished({
          traceId: `trace-${i}`,
          workspaceId: "ws-1",
          apiKeyId: "key-1",
          logBodies: true,
          modelRequested: "gpt-4o-mini",
          requestBody: Buffer.from(
            JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: `hi ${i}` }] }),
          ),
          provider: "openai",
          modelServed: "gpt-4o-mini",
          usage: { prompt_tokens: 10 + i, completion_tokens: 5, total_tokens: 15 + i },
        }),
      );
    }
    const undelivered: UndeliveredRows[] = [];
    const sink = createFirehoseSink({
      port: firehosePort(STREAM, motoClientConfig()),
      onUndelivered: (u) => undelivered.push(u),
    });
    // Act
    for (const row of built.rows) sink.enqueue(row);
    await sink.flush();
    // Assess
    expect(undelivered).toEqual([]);
    const listing = await s3("GET", `/${BUCKET}?list-type=2&prefix=logs/`);
    const keys = [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1] as string);
    expect(keys.length).toBeGreaterThan(0);
    const lines: string[] = [];
    for (const key of keys) {
      const body = await s3("GET", `/${BUCKET}/${key.split("/").map(encodeURIComponent).join("/")}`);
      expect(body.endsWith("\n")).toBe(true);
      lines.push(...body.split("\n").filter((l) => l.length > 0));
    }
    const parsed = lines.map((line) => logRowSchema.parse(JSON.parse(line)));
    expect(parsed.map((r) => r.id).sort()).toEqual(built.rows.map((r) => r.id).sort());
    expect(parsed.every((r) => r.kind === "request" && r.workspace_id === "ws-1")).toBe(true);
  });

  it("reports rows for a stream that does not exist instead of dropping them", async () => {
    const built = createMemorySink();
    createLoggingObserver({ sink: built }).finish(
      finished({ traceId: "t", workspaceId: "ws", method: "GET", endpoint: "models", logBodies: false }),
    );
    const undelivered: UndeliveredRows[] = [];
    const sink = createFirehoseSink({
      port: firehosePort("no-such-stream", motoClientConfig()),
      onUndelivered: (u) => undelivered.push(u),
      sleep: async () => {},
    });
    sink.enqueue(built.rows[0] as (typeof built.rows)[number]);
    await sink.flush();
    expect(undelivered.flatMap((u) => u.rows)).toHaveLength(1);
  });
});
