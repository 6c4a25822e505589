import * as z from "zod";
import { promptContentOf } from "../store/prompt-content";
import type { PromptContent, PromptVersionRecord, SavedPrompt } from "../store/types";
import { labelsOf } from "./prompt-reference";

/**
 * Request schemas and response shapes of the prompt admin API, as Portkey's API reference and the `portkey-ai`
 * SDK (`prompts.create/list/retrieve/update/delete/publish/versions`) describe them.
 */
export const MAX_TEMPLATE_CHARS = 100_000;
export const MAX_JSON_BYTES = 100_000;

const jsonObject = z.record(z.string(), z.unknown());
const flag = z.union([z.boolean(), z.literal(0), z.literal(1)]).optional();

/** Content fields shared by create and update (Portkey names). */
const content = {
  string: z.string().min(1).max(MAX_TEMPLATE_CHARS),
  parameters: jsonObject,
  model: z.string().min(1).max(200).nullable().optional(),
  virtual_key: z.string().min(1).max(128).nullable().optional(),
  functions: z.array(z.unknown()).nullable().optional(),
  tools: z.array(z.unknown()).nullable().optional(),
  tool_choice: z.union([z.string(), jsonObject]).nullable().optional(),
  version_description: z.string().max(1_000).nullable().optional(),
  template_metadata: jsonObject.nullable().optional(),
  /** Update's name for `template_metadata` in Portkey's reference. */
  prompt_metadata: jsonObject.nullable().optional(),
  is_raw_template: flag,
};

export const createPromptSchema = z.object({
  name: z.string().min(1).max(100),
  collection_id: z.string().min(1).max(128).optional(),
  workspace_id: z.string().min(1).optional(),
  slug: z.string().optional(),
  ...content,
});

export const updatePromptSchema = z.object({
  name: z.string().min(1).max(100).optional(),
  collection_id: z.string().min(1).max(128).optional(),
  status: z.enum(["active", "archived"]).optional(),
  /** Portkey's partial-update switch; updates here always keep what they do not name, so it changes nothing. */
  patch: z.boolean().optional(),
  expected_version: z.number().int().min(1).optional(),
  ...content,
  string: content.string.optional(),
  parameters: content.parameters.optional(),
});

export const publishPromptSchema = z.object({ version: z.number().int().min(1) });

/** `PUT /v1/prompts/{id}/labels/{label}`: the version the label points at from now on. */
export const labelPromptSchema = z.object({
  version: z.number().int().min(1),
  expected_version: z.number().int().min(1).optional(),
});

/** `PUT /v1/prompts/{id}/versions/{n}` (Portkey): `label_id` names the label to move to version n. */
export const updatePromptVersionSchema = z.object({ label_id: z.string().min(1).max(32) });

export type CreatePromptBody = z.infer<typeof createPromptSchema>;
export type UpdatePromptBody = z.infer<typeof updatePromptSchema>;
export type PublishPromptBody = z.infer<typeof publishPromptSchema>;
export type LabelPromptBody = z.infer<typeof labelPromptSchema>;
export type UpdatePromptVersionBody = z.infer<typeof updatePromptVersionSchema>;

/** The content fields an update names (`null` clears an optional field). */
export const CONTENT_FIELDS = [
  "string",
  "parameters",
  "model",
  "virtual_key",
  "functions",
  "tools",
  "tool_choice",
  "version_description",
  "template_metadata",
  "prompt_metadata",
] as const;

type ContentBody = Partial<Pick<CreatePromptBody, (typeof CONTENT_FIELDS)[number]>>;

function json(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : JSON.stringify(value);
}

function text(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value === "" ? undefined : value;
}

/** `base` with every field the body names replaced (absent: kept; `null`: removed). */
export function mergeContent(base: PromptContent | undefined, body: ContentBody): PromptContent {
  const pick = <K extends keyof PromptContent>(key: K, named: boolean, value: PromptContent[K]) =>
    named ? value : base?.[key];
  const metadata = body.template_metadata !== undefined ? body.template_metadata : body.prompt_metadata;
  const merged: PromptContent = {
    template: body.string ?? base?.template ?? "",
    parametersJson: body.parameters === undefined ? (base?.parametersJson ?? "{}") : JSON.stringify(body.parameters),
    model: pick("model", body.model !== undefined, text(body.model)),
    virtualKey: pick("virtualKey", body.virtual_key !== undefined, text(body.virtual_key)),
    functionsJson: pick("functionsJson", body.functions !== undefined, json(body.functions)),
    toolsJson: pick("toolsJson", body.tools !== undefined, json(body.tools)),
    toolChoiceJson: pick("toolChoiceJson", body.tool_choice !== undefined, json(body.tool_choice)),
    templateMetadataJson: pick("templateMetadataJson", metadata !== undefined, json(metadata)),
    versionDescription: pick(
      "versionDescription",
      body.version_description !== undefined,
      text(body.version_description),
    ),
  };
  return promptContentOf(merged);
}

function parsed(text: string | undefined): unknown {
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function contentFields(content: PromptContent): Record<string, unknown> {
  return {
    string: content.template,
    parameters: JSON.parse(content.parametersJson) as unknown,
    model: content.model ?? null,
    virtual_key: content.virtualKey ?? null,
    functions: parsed(content.functionsJson),
    tools: parsed(content.toolsJson),
    tool_choice: parsed(content.toolChoiceJson),
    template_metadata: parsed(content.templateMetadataJson),
  };
}

/** The labels pointing at one version, `production` first. */
function labelNamesAt(head: SavedPrompt, promptVersion: number): string[] {
  return Object.entries(labelsOf(head))
    .filter(([, version]) => version === promptVersion)
    .map(([label]) => label);
}

/** List item (`GET /v1/prompts`). */
export function presentPromptSummary(prompt: SavedPrompt): Record<string, unknown> {
  return {
    id: prompt.slug,
    slug: prompt.slug,
    name: prompt.name,
    collection_id: prompt.collectionId ?? null,
    workspace_id: prompt.workspaceId,
    model: prompt.model ?? null,
    status: prompt.status,
    latest_version: prompt.promptVersion,
    published_version: prompt.publishedVersion,
    labels: labelsOf(prompt),
    created_at: iso(prompt.createdAt),
    last_updated_at: iso(prompt.updatedAt),
    object: "prompt",
  };
}

/** `GET /v1/prompts/{id}` and `GET /v1/prompts/{id}/versions/{n}`: one version's content with the head's data. */
export function presentPrompt(
  head: SavedPrompt,
  content: PromptContent,
  promptVersion: number,
): Record<string, unknown> {
  return {
    ...presentPromptSummary(head),
    ...contentFields(content),
    prompt_version: promptVersion,
    prompt_version_id: String(promptVersion),
    prompt_version_status: "active",
    prompt_version_description: content.versionDescription ?? null,
    prompt_version_label_id: labelNamesAt(head, promptVersion)[0] ?? null,
    prompt_version_labels: labelNamesAt(head, promptVersion),
    is_raw_template: false,
    is_published: promptVersion === head.publishedVersion,
    version: head.version,
  };
}

/** Item of `GET /v1/prompts/{id}/versions`. */
export function presentPromptVersion(head: SavedPrompt, record: PromptVersionRecord): Record<string, unknown> {
  return {
    id: String(record.promptVersion),
    prompt_id: record.slug,
    prompt_template: contentFields(record),
    prompt_version: record.promptVersion,
    prompt_description: record.versionDescription ?? null,
    label_id: labelNamesAt(head, record.promptVersion)[0] ?? null,
    labels: labelNamesAt(head, record.promptVersion),
    is_published: record.promptVersion === head.publishedVersion,
    created_at: iso(record.createdAt),
    status: "active",
    object: "prompt",
  };
}
