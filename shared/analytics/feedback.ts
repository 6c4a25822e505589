import * as z from "zod";
import { BadRequestError } from "../core/errors";
import type { Principal } from "../core/principal";
import { uuidV7 } from "../logging/ids";
import { type FeedbackRecord, LOG_SCHEMA_VERSION } from "../logging/record";

/**
 * `POST /v1/feedback` bodies as the portkey-ai SDK sends them (`traceID`) and as Portkey's REST docs spell them
 * (`trace_id`); one object or an array. Feedback is stored as `kind = "feedback"` rows in the log table (ADR 0007).
 */
const metadataSchema = z
  .record(z.string().max(256), z.union([z.string().max(1024), z.number(), z.boolean()]))
  .refine((m) => Object.keys(m).length <= 20, "metadata accepts at most 20 keys");

const feedbackItemSchema = z
  .object({
    trace_id: z.string().min(1).max(256).optional(),
    traceID: z.string().min(1).max(256).optional(),
    value: z.number().int().min(-10).max(10),
    weight: z.number().min(0).max(1).optional(),
    metadata: metadataSchema.optional(),
  })
  .refine((f) => f.trace_id !== undefined || f.traceID !== undefined, {
    message: "trace_id is required",
    path: ["trace_id"],
  });

export const feedbackBodySchema = z.union([feedbackItemSchema, z.array(feedbackItemSchema).min(1).max(100)]);

export const feedbackUpdateSchema = z.object({
  value: z.number().int().min(-10).max(10).optional(),
  weight: z.number().min(0).max(1).optional(),
  metadata: metadataSchema.optional(),
});

export type FeedbackUpdate = z.infer<typeof feedbackUpdateSchema>;

function stringifyMetadata(metadata: Record<string, string | number | boolean> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata ?? {})) out[k] = String(v);
  return out;
}

function issueMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "Invalid feedback.";
}

/** Validates a feedback body and turns it into rows (one per item). */
export function feedbackRows(body: unknown, principal: Principal, nowMs: number): FeedbackRecord[] {
  const parsed = feedbackBodySchema.safeParse(body);
  if (!parsed.success) throw new BadRequestError(issueMessage(parsed.error));
  const items = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  const ts = new Date(nowMs).toISOString();
  return items.map((item) => ({
    schema_version: LOG_SCHEMA_VERSION,
    kind: "feedback",
    id: uuidV7(nowMs),
    trace_id: (item.trace_id ?? item.traceID) as string,
    workspace_id: principal.workspaceId,
    api_key_id: principal.apiKeyId,
    ts,
    metadata: stringifyMetadata(item.metadata),
    feedback_value: item.value,
    feedback_weight: item.weight ?? 1,
  }));
}

export { stringifyMetadata };
