import * as z from "zod";
import { BadRequestError, ConflictError, NotFoundError } from "../core/errors";
import { type CoreResponse, jsonResponse } from "../http/types";
import type { SavedConfig, Workspace } from "../store/types";
import type { RouteContext } from "./admin-types";
import { guardrailsNamedBy } from "./guardrail-routes";
import {
  iso,
  type ListQuery,
  pageResponse,
  queriedWorkspace,
  slugFor,
  targetWorkspace,
  versionToReplace,
  visibleBySlug,
  workspaceNotFound,
} from "./request-helpers";

const flag = z.union([z.boolean(), z.literal(0), z.literal(1)]).optional();

export const createSchema = z.object({
  name: z.string().min(1).max(100),
  config: z.unknown(),
  isDefault: flag,
  is_default: flag,
  workspace_id: z.string().min(1).optional(),
  slug: z.string().optional(),
});

export const updateSchema = z.object({
  name: z.string().min(1).max(100).optional(),
  config: z.unknown().optional(),
  status: z.enum(["active", "archived"]).optional(),
  isDefault: flag,
  is_default: flag,
  expected_version: z.number().int().min(1).optional(),
});

const MAX_CONFIG_BYTES = 100_000;

export function presentConfig(config: SavedConfig, workspace: Workspace | undefined): Record<string, unknown> {
  return {
    id: config.slug,
    slug: config.slug,
    name: config.name,
    workspace_id: config.workspaceId,
    is_default: workspace?.defaultConfigSlug === config.slug ? 1 : 0,
    status: config.status,
    config: JSON.parse(config.configJson) as unknown,
    format: "json",
    type: "ROUTING_CONFIG",
    version_id: String(config.version),
    version: config.version,
    created_at: iso(config.createdAt),
    last_updated_at: iso(config.updatedAt),
    object: "config",
  };
}

/**
 * Validates through the injected validator, with the saved guardrails of the workspace the config names; the
 * stored text is exactly what passed validation.
 */
async function validated(ctx: RouteContext, workspaceId: string, value: unknown): Promise<string> {
  const result = await ctx.deps.validateConfig(value, await guardrailsNamedBy(ctx, workspaceId, value));
  if (!result.ok) {
    // The routing validator names paths from the body's `config` field (`config.targets[0]`) and says "Invalid config".
    const path = result.path.replace(/^\$?\.?/, "");
    const param = path === "" ? "config" : /^config\b/.test(path) ? path : `config.${path}`;
    const message = result.message.startsWith("Invalid config")
      ? result.message
      : `Invalid config${path ? ` at ${param}` : ""}: ${result.message}`;
    throw new BadRequestError(message, { param, code: "invalid_config" });
  }
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json) > MAX_CONFIG_BYTES) {
    throw new BadRequestError(`config exceeds ${MAX_CONFIG_BYTES} bytes.`, { param: "config" });
  }
  return json;
}

/** Sets or clears the workspace's default config with a conditional write on the workspace item. */
async function setDefault(ctx: RouteContext, workspaceId: string, slug: string, makeDefault: boolean): Promise<void> {
  const ws = await ctx.deps.store.getWorkspace(workspaceId);
  if (ws === undefined) throw workspaceNotFound();
  const isDefault = ws.defaultConfigSlug === slug;
  if (isDefault === makeDefault) return;
  const { defaultConfigSlug: _d, ...rest } = ws;
  await ctx.deps.store.replaceWorkspace(makeDefault ? { ...rest, defaultConfigSlug: slug } : rest, ws.version);
}

function truthy(...values: (boolean | 0 | 1 | undefined)[]): boolean | undefined {
  const value = values.find((v) => v !== undefined);
  return value === undefined ? undefined : value === true || value === 1;
}

function visibleConfig(ctx: RouteContext): Promise<SavedConfig> {
  return visibleBySlug(
    ctx,
    "config",
    (workspaceId, slug) => ctx.deps.store.getConfig(workspaceId, slug),
    (slug) => new NotFoundError(`Config '${slug}' not found.`, { code: "config_not_found" }),
  );
}

export async function createConfig(ctx: RouteContext<z.output<typeof createSchema>>): Promise<CoreResponse> {
  const body = ctx.body;
  const workspaceId = await targetWorkspace(ctx.principal, body.workspace_id, ctx.deps.store);
  const configJson = await validated(ctx, workspaceId, body.config);
  const now = ctx.now();
  const slug = slugFor("pc-", body);
  const saved = await ctx.deps.store.createConfig({
    workspaceId,
    slug,
    name: body.name,
    status: "active",
    configJson,
    version: 1,
    createdAt: now,
    updatedAt: now,
  });
  ctx.deps.onChange?.configChanged?.(saved.workspaceId, saved.slug); // drops a cached "not found" for the slug
  if (truthy(body.isDefault, body.is_default) === true) await setDefault(ctx, workspaceId, slug, true);
  const ws = await ctx.deps.store.getWorkspace(workspaceId);
  return jsonResponse(200, presentConfig(saved, ws));
}

export async function listConfigs(ctx: RouteContext<unknown, ListQuery>): Promise<CoreResponse> {
  const workspaceId = await queriedWorkspace(ctx);
  const [result, ws] = await Promise.all([
    ctx.deps.store.listConfigs(workspaceId, ctx.query.page),
    ctx.deps.store.getWorkspace(workspaceId),
  ]);
  return pageResponse(result, (c) => presentConfig(c, ws));
}

/** `GET /v1/configs/{slug}`; `?version=N` returns that immutable version's content. */
export async function getConfig(ctx: RouteContext): Promise<CoreResponse> {
  const head = await visibleConfig(ctx);
  const ws = await ctx.deps.store.getWorkspace(head.workspaceId);
  const requestedVersion = ctx.req.query.get("version");
  if (requestedVersion === null) return jsonResponse(200, presentConfig(head, ws));
  const version = Number(requestedVersion);
  if (!Number.isInteger(version) || version < 1) throw new BadRequestError("version must be a positive integer.");
  const snapshot = await ctx.deps.store.getConfigVersion(head.workspaceId, head.slug, version);
  if (snapshot === undefined) throw new NotFoundError(`Config '${head.slug}' has no version ${version}.`);
  const asOf = {
    ...head,
    version,
    name: snapshot.name,
    configJson: snapshot.configJson,
    updatedAt: snapshot.createdAt,
  };
  return jsonResponse(200, presentConfig(asOf, ws));
}

export async function updateConfig(ctx: RouteContext<z.output<typeof updateSchema>>): Promise<CoreResponse> {
  const body = ctx.body;
  const current = await visibleConfig(ctx);
  const version = versionToReplace(ctx.req, current, body.expected_version, "Config");
  const next: SavedConfig = {
    ...current,
    name: body.name ?? current.name,
    status: body.status ?? current.status,
    configJson: body.config === undefined ? current.configJson : await validated(ctx, current.workspaceId, body.config),
  };
  const saved = await ctx.deps.store.replaceConfig(next, version);
  const makeDefault = truthy(body.isDefault, body.is_default);
  if (makeDefault !== undefined) await setDefault(ctx, saved.workspaceId, saved.slug, makeDefault);
  ctx.deps.onChange?.configChanged?.(saved.workspaceId, saved.slug);
  const ws = await ctx.deps.store.getWorkspace(saved.workspaceId);
  return jsonResponse(200, presentConfig(saved, ws));
}

export async function deleteConfig(ctx: RouteContext): Promise<CoreResponse> {
  const config = await visibleConfig(ctx);
  const ws = await ctx.deps.store.getWorkspace(config.workspaceId);
  if (ws?.defaultConfigSlug === config.slug) {
    throw new ConflictError("This config is the workspace default; unset is_default first.", {
      code: "config_is_default",
    });
  }
  await ctx.deps.store.deleteConfig(config.workspaceId, config.slug);
  ctx.deps.onChange?.configChanged?.(config.workspaceId, config.slug);
  return jsonResponse(200, { id: config.slug, slug: config.slug, object: "config", deleted: true });
}
