import * as z from "zod";
import { BadRequestError, NotFoundError } from "../core/errors";
import { type CoreResponse, jsonResponse } from "../http/types";
import { compilePartial, MAX_PARTIAL_BYTES, resolvePartials } from "../prompts/partials";
import { loadPartial } from "../prompts/prompt-resolver";
import type { PromptPartial } from "../store/types";
import type { RouteContext } from "./admin-types";
import {
  iso,
  type ListQuery,
  pageResponse,
  queriedWorkspace,
  slugFor,
  targetWorkspace,
  versionToReplace,
  visibleBySlug,
} from "./request-helpers";

/**
 * Prompt partials (Portkey's `/v1/prompts/partials`, the SDK's `prompts.partials.*`): templates that prompts
 * include with `{{> <id>}}`, versioned and published like prompts, workspace-scoped (docs/prompts.md, "Partials").
 */
const template = z.string().min(1).max(MAX_PARTIAL_BYTES);

export const createPartialSchema = z.object({
  name: z.string().min(1).max(100),
  string: template,
  version_description: z.string().max(1_000).optional(),
  workspace_id: z.string().min(1).optional(),
  slug: z.string().optional(),
});

export const updatePartialSchema = z.object({
  name: z.string().min(1).max(100).optional(),
  string: template.optional(),
  version_description: z.string().max(1_000).optional(),
  description: z.string().max(1_000).optional(),
  status: z.enum(["active", "archived"]).optional(),
  expected_version: z.number().int().min(1).optional(),
});

export const publishPartialSchema = z.object({ version: z.number().int().min(1) });

function present(partial: PromptPartial, text = partial.template, version = partial.partialVersion) {
  return {
    id: partial.slug,
    slug: partial.slug,
    name: partial.name,
    workspace_id: partial.workspaceId,
    status: partial.status,
    string: text,
    version_description: partial.versionDescription ?? null,
    prompt_partial_version: version,
    latest_version: partial.partialVersion,
    published_version: partial.publishedVersion,
    is_published: version === partial.publishedVersion,
    version: partial.version,
    created_at: iso(partial.createdAt),
    last_updated_at: iso(partial.updatedAt),
    object: "prompt_partial",
  };
}

function visiblePartial(ctx: RouteContext): Promise<PromptPartial> {
  return visibleBySlug(
    ctx,
    "partial",
    (workspaceId, slug) => ctx.deps.store.getPartial(workspaceId, slug),
    (slug) => new NotFoundError(`Prompt partial '${slug}' not found.`, { code: "partial_not_found" }),
  );
}

/** A partial's text: valid syntax, and what it includes exists in the workspace, without a cycle through itself. */
async function checkedTemplate(ctx: RouteContext, workspaceId: string, slug: string, text: string): Promise<string> {
  const compiled = compilePartial(text);
  await resolvePartials(compiled.partials, (name) => loadPartial(ctx.deps.store, workspaceId, name), slug);
  return text;
}

function changed(ctx: RouteContext, partial: PromptPartial): void {
  ctx.deps.onChange?.partialChanged?.(partial.workspaceId, partial.slug);
}

export async function createPartial(ctx: RouteContext<z.output<typeof createPartialSchema>>): Promise<CoreResponse> {
  const body = ctx.body;
  const workspaceId = await targetWorkspace(ctx.principal, body.workspace_id, ctx.deps.store);
  const slug = slugFor("pl-", body);
  const now = ctx.now();
  const saved = await ctx.deps.store.createPartial({
    workspaceId,
    slug,
    name: body.name,
    status: "active",
    template: await checkedTemplate(ctx, workspaceId, slug, body.string),
    ...(body.version_description === undefined ? {} : { versionDescription: body.version_description }),
    partialVersion: 1,
    publishedVersion: 1,
    version: 1,
    createdAt: now,
    updatedAt: now,
  });
  changed(ctx, saved);
  return jsonResponse(200, { id: slug, slug, version_id: "1", prompt_partial_version: 1, object: "prompt_partial" });
}

export async function listPartials(ctx: RouteContext<unknown, ListQuery>): Promise<CoreResponse> {
  const result = await ctx.deps.store.listPartials(await queriedWorkspace(ctx), ctx.query.page);
  return pageResponse(result, (partial) => present(partial));
}

/** `GET /v1/prompts/partials/{id}`: the published version (`?version=N`: that one). */
export async function getPartial(ctx: RouteContext): Promise<CoreResponse> {
  const head = await visiblePartial(ctx);
  const requested = ctx.req.query.get("version");
  const version = requested === null ? head.publishedVersion : Number(requested);
  if (!Number.isInteger(version) || version < 1) {
    throw new BadRequestError("version must be a positive integer.", { param: "version" });
  }
  if (version === head.partialVersion) return jsonResponse(200, present(head));
  const snapshot = await ctx.deps.store.getPartialVersion(head.workspaceId, head.slug, version);
  if (snapshot === undefined) throw new NotFoundError(`Prompt partial '${head.slug}' has no version ${version}.`);
  return jsonResponse(200, present(head, snapshot.template, version));
}

/** `PUT /v1/prompts/partials/{id}`: a new text is a new version, live once published (as prompts). */
export async function updatePartial(ctx: RouteContext<z.output<typeof updatePartialSchema>>): Promise<CoreResponse> {
  const body = ctx.body;
  const current = await visiblePartial(ctx);
  const version = versionToReplace(ctx.req, current, body.expected_version, "Prompt partial");
  const text =
    body.string === undefined ? undefined : await checkedTemplate(ctx, current.workspaceId, current.slug, body.string);
  const description = body.version_description ?? body.description;
  const { versionDescription: _d, ...rest } = current;
  const saved = await ctx.deps.store.replacePartial(
    {
      ...(text === undefined ? current : rest),
      ...(text === undefined
        ? {}
        : {
            template: text,
            partialVersion: current.partialVersion + 1,
            ...(description === undefined ? {} : { versionDescription: description }),
          }),
      name: body.name ?? current.name,
      status: body.status ?? current.status,
    },
    version,
  );
  changed(ctx, saved);
  return jsonResponse(200, { ...present(saved), version_id: String(saved.partialVersion) });
}

/** `PUT /v1/prompts/partials/{id}/makeDefault` (SDK `partials.publish`): what `{{> id}}` renders. */
export async function publishPartial(ctx: RouteContext<z.output<typeof publishPartialSchema>>): Promise<CoreResponse> {
  const current = await visiblePartial(ctx);
  const wanted = ctx.body.version;
  if (
    wanted !== current.partialVersion &&
    !(await ctx.deps.store.getPartialVersion(current.workspaceId, current.slug, wanted))
  ) {
    throw new NotFoundError(`Prompt partial '${current.slug}' has no version ${wanted}.`);
  }
  const saved =
    current.publishedVersion === wanted
      ? current
      : await ctx.deps.store.replacePartial({ ...current, publishedVersion: wanted }, current.version);
  changed(ctx, saved);
  return jsonResponse(200, present(saved));
}

export async function listPartialVersions(ctx: RouteContext<unknown, ListQuery>): Promise<CoreResponse> {
  const head = await visiblePartial(ctx);
  const result = await ctx.deps.store.listPartialVersions(head.workspaceId, head.slug, ctx.query.page);
  return pageResponse(result, (v) => ({
    id: String(v.partialVersion),
    prompt_partial_id: head.slug,
    string: v.template,
    prompt_partial_version: v.partialVersion,
    version_description: v.versionDescription ?? null,
    is_published: v.partialVersion === head.publishedVersion,
    created_at: iso(v.createdAt),
    object: "prompt_partial_version",
  }));
}

/** Prompts that include a deleted partial answer 400 `partial_not_found` when rendered, never render without it. */
export async function deletePartial(ctx: RouteContext): Promise<CoreResponse> {
  const partial = await visiblePartial(ctx);
  await ctx.deps.store.deletePartial(partial.workspaceId, partial.slug);
  changed(ctx, partial);
  return jsonResponse(200, { id: partial.slug, slug: partial.slug, object: "prompt_partial", deleted: true });
}
