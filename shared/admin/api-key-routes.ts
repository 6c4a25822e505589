import * as z from "zod";
import { generateGatewayKey, maskGatewayKey } from "../auth/gateway-key";
import { BadRequestError, NotFoundError } from "../core/errors";
import type { Scope } from "../core/principal";
import { type CoreResponse, jsonResponse } from "../http/types";
import type { ApiKeyDefaults, ApiKeyRecord } from "../store/types";
import type { RouteContext } from "./admin-types";
import { rateLimitSchema, usageLimitsSchema } from "./limit-schemas";
import {
  iso,
  type ListQuery,
  pageResponse,
  parseExpiry,
  queriedWorkspace,
  targetWorkspace,
  versionToReplace,
} from "./request-helpers";

export const SCOPES = ["completions", "admin", "analytics", "logs"] as const satisfies readonly Scope[];

const scopesSchema = z.array(z.enum(SCOPES)).min(1);
const defaultsSchema = z.object({
  config_id: z.string().min(1).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});
const expirySchema = z.union([z.string().min(1), z.number().positive()]);

export const createSchema = z.object({
  name: z.string().min(1).max(100),
  description: z.string().max(1000).optional(),
  workspace_id: z.string().min(1).optional(),
  scopes: scopesSchema,
  defaults: defaultsSchema.optional(),
  expires_at: expirySchema.optional(),
  rate_limits: z.array(rateLimitSchema).max(6).optional(),
  usage_limits: usageLimitsSchema.optional(),
  type: z.string().optional(),
  "sub-type": z.string().optional(),
});

export const updateSchema = z.object({
  name: z.string().min(1).max(100).optional(),
  description: z.string().max(1000).nullable().optional(),
  scopes: scopesSchema.optional(),
  defaults: defaultsSchema.nullable().optional(),
  expires_at: expirySchema.nullable().optional(),
  rate_limits: z.array(rateLimitSchema).max(6).optional(),
  usage_limits: usageLimitsSchema.optional(),
  status: z.enum(["active", "revoked"]).optional(),
  expected_version: z.number().int().min(1).optional(),
});

const TYPE_SEGMENT = /^[a-z][a-z_-]{0,31}$/;

export function presentApiKey(key: ApiKeyRecord): Record<string, unknown> {
  return {
    id: key.id,
    key: maskGatewayKey(key.displayPrefix),
    name: key.name,
    description: key.description ?? null,
    type: `${key.type}-${key.subType}`,
    workspace_id: key.workspaceId,
    status: key.status,
    scopes: key.scopes,
    defaults: {
      config_id: key.defaults?.configId ?? null,
      metadata: key.defaults?.metadata ?? null,
    },
    rate_limits: key.rateLimits ?? null,
    usage_limits: key.usageLimits ?? null,
    expires_at: key.expiresAt === undefined ? null : iso(key.expiresAt * 1000),
    created_at: iso(key.createdAt),
    last_updated_at: iso(key.updatedAt),
    version: key.version,
    object: "api-key",
  };
}

async function toDefaults(
  ctx: RouteContext,
  workspaceId: string,
  input: z.infer<typeof defaultsSchema>,
): Promise<ApiKeyDefaults> {
  if (input.config_id !== undefined && (await ctx.deps.store.getConfig(workspaceId, input.config_id)) === undefined) {
    throw new BadRequestError(`Config '${input.config_id}' not found in this workspace.`, {
      param: "defaults.config_id",
    });
  }
  return {
    ...(input.config_id === undefined ? {} : { configId: input.config_id }),
    ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
  };
}

/** A key the caller may see; keys of other workspaces are "not found". */
export async function visibleKey(ctx: RouteContext): Promise<ApiKeyRecord> {
  const key = await ctx.deps.store.getApiKey(ctx.params[0] ?? "");
  if (key === undefined || (!ctx.principal.isRoot && key.workspaceId !== ctx.principal.workspaceId)) {
    throw new NotFoundError("API key not found.", { code: "api_key_not_found" });
  }
  return key;
}

export async function createApiKey(ctx: RouteContext<z.output<typeof createSchema>>): Promise<CoreResponse> {
  const body = ctx.body;
  // The Portkey SDK builds `/api-keys/${type}/${subType}` even when they are unset ("undefined").
  const segment = (value: string | undefined) => (value === undefined || value === "undefined" ? undefined : value);
  const type = segment(ctx.params[0]) ?? segment(body.type) ?? "workspace";
  const subType = segment(ctx.params[1]) ?? segment(body["sub-type"]) ?? "service";
  if (!TYPE_SEGMENT.test(type) || !TYPE_SEGMENT.test(subType)) {
    throw new BadRequestError("API key type and sub-type must be short lower-case words.", { param: "type" });
  }
  const workspaceId = await targetWorkspace(ctx.principal, body.workspace_id, ctx.deps.store);
  const now = ctx.now();
  const fresh = generateGatewayKey();
  const hasher = await ctx.deps.keyHasher();
  const defaults = body.defaults === undefined ? undefined : await toDefaults(ctx, workspaceId, body.defaults);
  const record: ApiKeyRecord = {
    id: fresh.id,
    workspaceId,
    name: body.name,
    ...(body.description === undefined ? {} : { description: body.description }),
    type,
    subType,
    scopes: body.scopes,
    status: "active",
    secretHash: hasher.hash(fresh.key),
    displayPrefix: fresh.displayPrefix,
    ...(defaults === undefined ? {} : { defaults }),
    ...(body.rate_limits === undefined ? {} : { rateLimits: body.rate_limits }),
    ...(body.usage_limits === undefined ? {} : { usageLimits: body.usage_limits }),
    ...(body.expires_at === undefined ? {} : { expiresAt: parseExpiry(body.expires_at, now) }),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const saved = await ctx.deps.store.createApiKey(record);
  ctx.deps.onChange?.apiKeyChanged?.(saved.id);
  // The only response that ever carries the secret.
  return jsonResponse(200, { ...presentApiKey(saved), key: fresh.key });
}

export async function listApiKeys(ctx: RouteContext<unknown, ListQuery>): Promise<CoreResponse> {
  return pageResponse(await ctx.deps.store.listApiKeys(await queriedWorkspace(ctx), ctx.query.page), presentApiKey);
}

export async function getApiKey(ctx: RouteContext): Promise<CoreResponse> {
  return jsonResponse(200, presentApiKey(await visibleKey(ctx)));
}

export async function updateApiKey(ctx: RouteContext<z.output<typeof updateSchema>>): Promise<CoreResponse> {
  const body = ctx.body;
  const current = await visibleKey(ctx);
  const version = versionToReplace(ctx.req, current, body.expected_version, "API key");
  const { description: _d, defaults: _f, expiresAt: _e, ...rest } = current;
  const defaults =
    body.defaults === undefined
      ? current.defaults
      : body.defaults === null
        ? undefined
        : await toDefaults(ctx, current.workspaceId, body.defaults);
  const description = body.description === undefined ? current.description : (body.description ?? undefined);
  const expiresAt =
    body.expires_at === undefined
      ? current.expiresAt
      : body.expires_at === null
        ? undefined
        : parseExpiry(body.expires_at, ctx.now());
  const next: ApiKeyRecord = {
    ...rest,
    name: body.name ?? current.name,
    scopes: body.scopes ?? current.scopes,
    status: body.status ?? current.status,
    ...(description === undefined ? {} : { description }),
    ...(defaults === undefined ? {} : { defaults }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(body.rate_limits === undefined ? {} : { rateLimits: body.rate_limits }),
    ...(body.usage_limits === undefined ? {} : { usageLimits: body.usage_limits }),
  };
  const saved = await ctx.deps.store.replaceApiKey(next, version);
  ctx.deps.onChange?.apiKeyChanged?.(saved.id);
  return jsonResponse(200, presentApiKey(saved));
}

export async function deleteApiKey(ctx: RouteContext): Promise<CoreResponse> {
  const key = await visibleKey(ctx);
  await ctx.deps.store.deleteApiKey(key.id);
  ctx.deps.onChange?.apiKeyChanged?.(key.id);
  return jsonResponse(200, { id: key.id, object: "api-key", deleted: true });
}
