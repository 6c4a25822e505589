import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import * as z from "zod";
import { ConflictError, PermissionError } from "../core/errors";
import { type CoreResponse, jsonResponse } from "../http/types";
import type { Workspace } from "../store/types";
import type { RouteContext } from "./admin-types";
import { rateLimitSchema, usageLimitsSchema } from "./limit-schemas";
import {
  iso,
  type ListQuery,
  listResponse,
  pageResponse,
  requireRoot,
  slugify,
  versionToReplace,
  workspaceNotFound,
} from "./request-helpers";

export const createSchema = z.object({
  name: z.string().min(1).max(100),
  description: z.string().max(1000).optional(),
  defaults: z.record(z.string(), z.unknown()).optional(),
  usage_limits: usageLimitsSchema.optional(),
  rate_limits: z.array(rateLimitSchema).max(6).optional(),
  log_bodies: z.boolean().optional(),
});

export const updateSchema = z.object({
  name: z.string().min(1).max(100).optional(),
  description: z.string().max(1000).nullable().optional(),
  defaults: z.record(z.string(), z.unknown()).nullable().optional(),
  usage_limits: usageLimitsSchema.nullable().optional(),
  rate_limits: z.array(rateLimitSchema).max(6).nullable().optional(),
  log_bodies: z.boolean().nullable().optional(),
  expected_version: z.number().int().min(1).optional(),
});

export function presentWorkspace(ws: Workspace): Record<string, unknown> {
  return {
    id: ws.id,
    slug: ws.id,
    name: ws.name,
    description: ws.description ?? null,
    defaults: ws.defaults ?? null,
    default_config_id: ws.defaultConfigSlug ?? null,
    usage_limits: ws.usageLimits ?? null,
    rate_limits: ws.rateLimits ?? null,
    log_bodies: ws.logBodies ?? null,
    created_at: iso(ws.createdAt),
    last_updated_at: iso(ws.updatedAt),
    version: ws.version,
    object: "workspace",
  };
}

/** A workspace the caller may see: its own, or any for the root key. Others are "not found". */
export async function visibleWorkspace(ctx: RouteContext, id: string): Promise<Workspace> {
  if (!ctx.principal.isRoot && id !== ctx.principal.workspaceId) throw workspaceNotFound();
  const ws = await ctx.deps.store.getWorkspace(id);
  if (ws === undefined) throw workspaceNotFound();
  return ws;
}

export async function createWorkspace(ctx: RouteContext<z.output<typeof createSchema>>): Promise<CoreResponse> {
  requireRoot(ctx.principal, "create workspaces");
  const body = ctx.body;
  const now = ctx.now();
  const ws: Workspace = {
    id: `ws-${slugify(body.name)}-${randomBytes(3).toString("hex")}`,
    name: body.name,
    ...(body.description === undefined ? {} : { description: body.description }),
    ...(body.defaults === undefined ? {} : { defaults: body.defaults }),
    ...(body.usage_limits === undefined ? {} : { usageLimits: body.usage_limits }),
    ...(body.rate_limits === undefined ? {} : { rateLimits: body.rate_limits }),
    ...(body.log_bodies === undefined ? {} : { logBodies: body.log_bodies }),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  return jsonResponse(200, presentWorkspace(await ctx.deps.store.createWorkspace(ws)));
}

export async function listWorkspaces(ctx: RouteContext<unknown, ListQuery>): Promise<CoreResponse> {
  const page = ctx.query.page;
  if (!ctx.principal.isRoot) {
    const own = await ctx.deps.store.getWorkspace(ctx.principal.workspaceId);
    return jsonResponse(200, listResponse(own === undefined ? [] : [presentWorkspace(own)], undefined));
  }
  return pageResponse(await ctx.deps.store.listWorkspaces(page), presentWorkspace);
}

export async function getWorkspace(ctx: RouteContext): Promise<CoreResponse> {
  return jsonResponse(200, presentWorkspace(await visibleWorkspace(ctx, ctx.params[0] ?? "")));
}

/**
 * A workspace's own budget and rate limits bound every key of the workspace: only the root key may change them. A
 * workspace admin may send them back unchanged (a client that writes back what it read) with other changes.
 */
function checkLimitsChange(ctx: RouteContext, body: z.infer<typeof updateSchema>, current: Workspace): void {
  if (ctx.principal.isRoot) return;
  const changes = (sent: unknown, stored: unknown) =>
    sent !== undefined && !isDeepStrictEqual(sent ?? undefined, stored);
  const param = changes(body.usage_limits, current.usageLimits)
    ? "usage_limits"
    : changes(body.rate_limits, current.rateLimits)
      ? "rate_limits"
      : undefined;
  if (param) {
    throw new PermissionError(
      `Only the root admin key can change a workspace's ${param}; a workspace admin key sets limits on its API keys and virtual keys.`,
      { code: "root_only_limits", param },
    );
  }
}

export async function updateWorkspace(ctx: RouteContext<z.output<typeof updateSchema>>): Promise<CoreResponse> {
  const body = ctx.body;
  const current = await visibleWorkspace(ctx, ctx.params[0] ?? "");
  checkLimitsChange(ctx, body, current);
  const version = versionToReplace(ctx.req, current, body.expected_version, "Workspace");
  const { description: _d, defaults: _f, usageLimits: _u, rateLimits: _r, logBodies: _l, ...rest } = current;
  const usageLimits = body.usage_limits === null ? undefined : (body.usage_limits ?? current.usageLimits);
  const rateLimits = body.rate_limits === null ? undefined : (body.rate_limits ?? current.rateLimits);
  const logBodies = body.log_bodies === null ? undefined : (body.log_bodies ?? current.logBodies);
  const next: Workspace = {
    ...rest,
    name: body.name ?? current.name,
    ...(body.description === null ? {} : { description: body.description ?? current.description }),
    ...(body.defaults === null ? {} : { defaults: body.defaults ?? current.defaults }),
    ...(usageLimits === undefined ? {} : { usageLimits }),
    ...(rateLimits === undefined ? {} : { rateLimits }),
    ...(logBodies === undefined ? {} : { logBodies }),
  };
  return jsonResponse(200, presentWorkspace(await ctx.deps.store.replaceWorkspace(next, version)));
}

export async function deleteWorkspace(ctx: RouteContext): Promise<CoreResponse> {
  requireRoot(ctx.principal, "delete workspaces");
  const ws = await visibleWorkspace(ctx, ctx.params[0] ?? "");
  if (await ctx.deps.store.workspaceHasChildren(ws.id)) {
    throw new ConflictError("Workspace still has API keys, virtual keys or configs; delete them first.", {
      code: "workspace_not_empty",
    });
  }
  await ctx.deps.store.deleteWorkspace(ws.id);
  return jsonResponse(200, { id: ws.id, object: "workspace", deleted: true });
}
