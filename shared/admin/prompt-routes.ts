import { BadRequestError, NotFoundError } from "../core/errors";
import { type CoreResponse, jsonResponse } from "../http/types";
import { resolvePartials } from "../prompts/partials";
import {
  LABEL_NAME,
  labelsOf,
  PRODUCTION_LABEL,
  parsePromptReference,
  pickVersion,
  promptNotFound,
} from "../prompts/prompt-reference";
import { loadPartial } from "../prompts/prompt-resolver";
import {
  CONTENT_FIELDS,
  type CreatePromptBody,
  type LabelPromptBody,
  MAX_JSON_BYTES,
  mergeContent,
  type PublishPromptBody,
  presentPrompt,
  presentPromptSummary,
  presentPromptVersion,
  type UpdatePromptBody,
  type UpdatePromptVersionBody,
} from "../prompts/prompt-shapes";
import { compilePromptContent } from "../prompts/prompt-template";
import type { PromptContent, SavedPrompt } from "../store/types";
import type { RouteContext } from "./admin-types";
import {
  type ListQuery,
  pageResponse,
  queriedWorkspace,
  slugFor,
  targetWorkspace,
  versionToReplace,
  workspaceOfSlug,
} from "./request-helpers";

/** `partials` is Portkey's prompt-partials collection path, never a prompt id. */
const RESERVED_SLUGS = new Set(["partials"]);

/**
 * Refuses content the gateway could not run: template syntax, partials missing from the workspace (or in a cycle),
 * oversized JSON, an unknown virtual key.
 */
async function checkContent(ctx: RouteContext, workspaceId: string, content: PromptContent): Promise<PromptContent> {
  const compiled = compilePromptContent(content);
  await resolvePartials(compiled.partials, (name) => loadPartial(ctx.deps.store, workspaceId, name));
  for (const field of [
    "parametersJson",
    "functionsJson",
    "toolsJson",
    "toolChoiceJson",
    "templateMetadataJson",
  ] as const) {
    const value = content[field];
    if (value !== undefined && Buffer.byteLength(value) > MAX_JSON_BYTES) {
      throw new BadRequestError(`${field.replace(/Json$/, "")} exceeds ${MAX_JSON_BYTES} bytes.`);
    }
  }
  if (
    content.virtualKey !== undefined &&
    (await ctx.deps.store.getVirtualKey(workspaceId, content.virtualKey)) === undefined
  ) {
    throw new BadRequestError(`Virtual key '${content.virtualKey}' not found in this workspace.`, {
      param: "virtual_key",
      code: "virtual_key_not_found",
    });
  }
  return content;
}

/** The prompt named by the path (`<id>`, `<id>@latest`, `<id>@n`) in the caller's workspace, or a 404. */
async function visiblePrompt(ctx: RouteContext): Promise<{ head: SavedPrompt; version: number }> {
  const reference = ctx.params[0] ?? "";
  const { slug, ref } = parsePromptReference(reference);
  const workspaceId = await workspaceOfSlug(ctx, "prompt", slug, () => promptNotFound(slug));
  const head = await ctx.deps.store.getPrompt(workspaceId, slug);
  if (head === undefined) throw promptNotFound(reference);
  return { head, version: pickVersion(ref, head) };
}

/** A write names the prompt itself, never one of its versions. */
async function writablePrompt(ctx: RouteContext): Promise<SavedPrompt> {
  if ((ctx.params[0] ?? "").includes("@")) {
    throw new BadRequestError("Name the prompt without a version suffix to change it.", { param: "promptId" });
  }
  return (await visiblePrompt(ctx)).head;
}

async function contentOf(ctx: RouteContext, head: SavedPrompt, version: number): Promise<PromptContent> {
  if (version === head.promptVersion) return head;
  const found = await ctx.deps.store.getPromptVersion(head.workspaceId, head.slug, version);
  if (found === undefined) throw new NotFoundError(`Prompt '${head.slug}' has no version ${version}.`);
  return found;
}

function versionParam(ctx: RouteContext): number {
  const version = Number(ctx.params[1]);
  if (!Number.isInteger(version) || version < 1)
    throw new NotFoundError(`Prompt version '${ctx.params[1]}' not found.`);
  return version;
}

function changed(ctx: RouteContext, head: SavedPrompt): void {
  ctx.deps.onChange?.promptChanged?.(head.workspaceId, head.slug);
}

export async function createPrompt(ctx: RouteContext<CreatePromptBody>): Promise<CoreResponse> {
  const body = ctx.body;
  const workspaceId = await targetWorkspace(ctx.principal, body.workspace_id, ctx.deps.store);
  const slug = slugFor("pp-", body);
  if (RESERVED_SLUGS.has(slug)) throw new BadRequestError(`'${slug}' is reserved.`, { param: "slug" });
  const content = await checkContent(ctx, workspaceId, mergeContent(undefined, body));
  const now = ctx.now();
  const saved = await ctx.deps.store.createPrompt({
    ...content,
    workspaceId,
    slug,
    name: body.name,
    ...(body.collection_id === undefined ? {} : { collectionId: body.collection_id }),
    status: "active",
    promptVersion: 1,
    publishedVersion: 1,
    version: 1,
    createdAt: now,
    updatedAt: now,
  });
  changed(ctx, saved);
  return jsonResponse(200, { id: saved.slug, slug: saved.slug, version_id: "1", prompt_version: 1, object: "prompt" });
}

/** `GET /v1/prompts`; `collection_id` and `search` (name or slug contains) filter each page. */
export async function listPrompts(ctx: RouteContext<unknown, ListQuery>): Promise<CoreResponse> {
  const collection = ctx.req.query.get("collection_id");
  const search = ctx.req.query.get("search")?.toLowerCase();
  const result = await ctx.deps.store.listPrompts(await queriedWorkspace(ctx), ctx.query.page);
  const items = result.items.filter(
    (p) =>
      (collection === null || p.collectionId === collection) &&
      (search === undefined || p.name.toLowerCase().includes(search) || p.slug.includes(search)),
  );
  return pageResponse({ ...result, items }, presentPromptSummary);
}

/** `GET /v1/prompts/{id}`: the published version (or `@latest` / `@n`). */
export async function getPrompt(ctx: RouteContext): Promise<CoreResponse> {
  const { head, version } = await visiblePrompt(ctx);
  return jsonResponse(200, presentPrompt(head, await contentOf(ctx, head, version), version));
}

/** `PUT /v1/prompts/{id}`: content fields make a new version (unnamed fields are kept); publishing is separate. */
export async function updatePrompt(ctx: RouteContext<UpdatePromptBody>): Promise<CoreResponse> {
  const body = ctx.body;
  const current = await writablePrompt(ctx);
  const version = versionToReplace(ctx.req, current, body.expected_version, "Prompt");
  const newContent = CONTENT_FIELDS.some((field) => body[field] !== undefined);
  const { collectionId: _c, ...rest } = current;
  const base = newContent
    ? { ...stripContent(rest), ...(await checkContent(ctx, current.workspaceId, mergeContent(current, body))) }
    : rest;
  const collectionId = body.collection_id ?? current.collectionId;
  const saved = await ctx.deps.store.replacePrompt(
    {
      ...base,
      ...(collectionId === undefined ? {} : { collectionId }),
      name: body.name ?? current.name,
      status: body.status ?? current.status,
      promptVersion: newContent ? current.promptVersion + 1 : current.promptVersion,
    },
    version,
  );
  changed(ctx, saved);
  return jsonResponse(200, {
    id: saved.slug,
    slug: saved.slug,
    prompt_version_id: String(saved.promptVersion),
    prompt_version: saved.promptVersion,
    published_version: saved.publishedVersion,
    version: saved.version,
    object: "prompt",
  });
}

/** A head without its content fields (so a cleared optional field does not survive the spread). */
function stripContent(head: Omit<SavedPrompt, "collectionId">): Omit<SavedPrompt, "collectionId"> {
  const {
    model: _m,
    virtualKey: _v,
    functionsJson: _f,
    toolsJson: _t,
    toolChoiceJson: _tc,
    templateMetadataJson: _tm,
    versionDescription: _d,
    ...rest
  } = head;
  return rest;
}

/** `PUT /v1/prompts/{id}/makeDefault` (SDK `prompts.publish`): which version runs without a `@` suffix. */
export async function publishPrompt(ctx: RouteContext<PublishPromptBody>): Promise<CoreResponse> {
  const body = ctx.body;
  const current = await writablePrompt(ctx);
  await contentOf(ctx, current, body.version);
  const saved =
    current.publishedVersion === body.version
      ? current
      : await ctx.deps.store.replacePrompt({ ...current, publishedVersion: body.version }, current.version);
  changed(ctx, saved);
  return jsonResponse(200, {
    id: saved.slug,
    slug: saved.slug,
    published_version: saved.publishedVersion,
    version: saved.version,
    object: "prompt",
  });
}

export async function deletePrompt(ctx: RouteContext): Promise<CoreResponse> {
  const current = await writablePrompt(ctx);
  await ctx.deps.store.deletePrompt(current.workspaceId, current.slug);
  changed(ctx, current);
  return jsonResponse(200, { id: current.slug, slug: current.slug, object: "prompt", deleted: true });
}

/** `GET /v1/prompts/{id}/versions`, oldest first, paginated like every list. */
export async function listPromptVersions(ctx: RouteContext<unknown, ListQuery>): Promise<CoreResponse> {
  const head = await writablePrompt(ctx);
  const result = await ctx.deps.store.listPromptVersions(head.workspaceId, head.slug, ctx.query.page);
  return pageResponse(result, (record) => presentPromptVersion(head, record));
}

export async function getPromptVersion(ctx: RouteContext): Promise<CoreResponse> {
  const head = await writablePrompt(ctx);
  const version = versionParam(ctx);
  return jsonResponse(200, presentPrompt(head, await contentOf(ctx, head, version), version));
}

/** `PUT /v1/prompts/{id}/versions/{n}` (Portkey's form): `label_id` names the label moved to version n. */
export async function updatePromptVersion(ctx: RouteContext<UpdatePromptVersionBody>): Promise<CoreResponse> {
  const head = await writablePrompt(ctx);
  return moveLabel(ctx, head, labelParam(ctx.body.label_id, "label_id"), versionParam(ctx), undefined);
}

/** `PUT /v1/prompts/{id}/labels/{label}` `{version}`: the label points at that version from now on. */
export async function setPromptLabel(ctx: RouteContext<LabelPromptBody>): Promise<CoreResponse> {
  const head = await writablePrompt(ctx);
  return moveLabel(ctx, head, labelParam(ctx.params[1] ?? "", "label"), ctx.body.version, ctx.body.expected_version);
}

/** `DELETE /v1/prompts/{id}/labels/{label}`; `production` (the published version) cannot be removed. */
export async function deletePromptLabel(ctx: RouteContext): Promise<CoreResponse> {
  const head = await writablePrompt(ctx);
  const label = labelParam(ctx.params[1] ?? "", "label");
  if (label === PRODUCTION_LABEL) {
    throw new BadRequestError("The production label is the published version; publish another version instead.", {
      param: "label",
    });
  }
  if (head.labels === undefined || !Object.hasOwn(head.labels, label)) {
    throw new NotFoundError(`Prompt '${head.slug}' has no label '${label}'.`, { code: "label_not_found" });
  }
  const { [label]: _removed, ...labels } = head.labels;
  const { labels: _l, ...rest } = head;
  const saved = await ctx.deps.store.replacePrompt(
    Object.keys(labels).length ? { ...rest, labels } : rest,
    head.version,
  );
  changed(ctx, saved);
  return labelsResponse(saved);
}

function labelParam(label: string, param: string): string {
  if (!LABEL_NAME.test(label) || label === "latest") {
    throw new BadRequestError(
      "A label is 1-32 lower-case letters, digits, '-' or '_', starting with a letter; 'latest' is reserved.",
      { param, code: "invalid_label" },
    );
  }
  return label;
}

/** Moves a label with a conditional write of the head (`production` is publishing). */
async function moveLabel(
  ctx: RouteContext,
  head: SavedPrompt,
  label: string,
  version: number,
  expected: number | undefined,
): Promise<CoreResponse> {
  const current = versionToReplace(ctx.req, head, expected, "Prompt");
  await contentOf(ctx, head, version); // 404 for a version that does not exist
  const next: SavedPrompt =
    label === PRODUCTION_LABEL
      ? { ...head, publishedVersion: version }
      : { ...head, labels: { ...head.labels, [label]: version } };
  const unchanged =
    pickVersion({ kind: "label", label }, head) === version ||
    (label === PRODUCTION_LABEL && head.publishedVersion === version);
  const saved = unchanged ? head : await ctx.deps.store.replacePrompt(next, current);
  changed(ctx, saved);
  return labelsResponse(saved);
}

function labelsResponse(saved: SavedPrompt): CoreResponse {
  return jsonResponse(200, {
    id: saved.slug,
    slug: saved.slug,
    labels: labelsOf(saved),
    published_version: saved.publishedVersion,
    version: saved.version,
    object: "prompt",
  });
}
