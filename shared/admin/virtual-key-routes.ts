import { randomUUID } from "node:crypto";
import * as z from "zod";
import { BadRequestError, NotFoundError } from "../core/errors";
import { type CoreResponse, jsonResponse } from "../http/types";
import type { ProviderOptions, VirtualKeyRecord, VirtualKeySecret } from "../store/types";
import type { RouteContext } from "./admin-types";
import { rateLimitSchema, usageLimitsSchema } from "./limit-schemas";
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

const optionalText = z.string().min(1).max(2000).optional();

/** A Google service-account key file, as Portkey takes it (an object) or as its JSON text. */
const serviceAccountJson = z
  .union([z.string().min(2).max(8192), z.record(z.string(), z.unknown())])
  .transform((v) => (typeof v === "string" ? v : JSON.stringify(v)))
  .optional();

/** Provider fields, accepted in Portkey's camelCase and in snake_case. */
const fieldsSchema = z.object({
  key: z.string().min(1).max(8192).optional(),
  note: z.string().max(1000).nullable().optional(),
  apiVersion: optionalText,
  api_version: optionalText,
  resourceName: optionalText,
  resource_name: optionalText,
  deploymentName: optionalText,
  deployment_name: optionalText,
  deployment_id: optionalText,
  awsRegion: optionalText,
  aws_region: optionalText,
  awsAccessKeyId: optionalText,
  aws_access_key_id: optionalText,
  awsSecretAccessKey: optionalText,
  aws_secret_access_key: optionalText,
  awsSessionToken: optionalText,
  aws_session_token: optionalText,
  awsRoleArn: optionalText,
  aws_role_arn: optionalText,
  awsExternalId: optionalText,
  aws_external_id: optionalText,
  vertexProjectId: optionalText,
  vertex_project_id: optionalText,
  vertexRegion: optionalText,
  vertex_region: optionalText,
  vertexServiceAccountJson: serviceAccountJson,
  vertex_service_account_json: serviceAccountJson,
  customHost: z.url({ protocol: /^https?$/ }).optional(),
  custom_host: z.url({ protocol: /^https?$/ }).optional(),
  usage_limits: usageLimitsSchema.optional(),
  rate_limits: z.array(rateLimitSchema).max(6).optional(),
  workspace_id: z.string().min(1).optional(),
});

export const createSchema = fieldsSchema.extend({
  name: z.string().min(1).max(100),
  provider: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "provider must be a lower-case provider id"),
  slug: z.string().optional(),
});

export const updateSchema = fieldsSchema.extend({
  name: z.string().min(1).max(100).optional(),
  status: z.enum(["active", "disabled"]).optional(),
  expected_version: z.number().int().min(1).optional(),
});

type Fields = z.infer<typeof fieldsSchema>;

function providerOptions(body: Fields, base: ProviderOptions = {}): ProviderOptions {
  const pick = (...values: (string | undefined)[]) => values.find((v) => v !== undefined);
  const merged: ProviderOptions = {
    resourceName: pick(body.resourceName, body.resource_name, base.resourceName),
    deploymentId: pick(body.deploymentName, body.deployment_name, body.deployment_id, base.deploymentId),
    apiVersion: pick(body.apiVersion, body.api_version, base.apiVersion),
    awsRegion: pick(body.awsRegion, body.aws_region, base.awsRegion),
    awsRoleArn: pick(body.awsRoleArn, body.aws_role_arn, base.awsRoleArn),
    awsExternalId: pick(body.awsExternalId, body.aws_external_id, base.awsExternalId),
    vertexProjectId: pick(body.vertexProjectId, body.vertex_project_id, base.vertexProjectId),
    vertexRegion: pick(body.vertexRegion, body.vertex_region, base.vertexRegion),
    customHost: pick(body.customHost, body.custom_host, base.customHost),
  };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as ProviderOptions;
}

/** The secret fields of a request, or undefined when it carries none. */
function secretOf(body: Fields): VirtualKeySecret | undefined {
  const secret: VirtualKeySecret = {
    apiKey: body.key,
    awsAccessKeyId: body.awsAccessKeyId ?? body.aws_access_key_id,
    awsSecretAccessKey: body.awsSecretAccessKey ?? body.aws_secret_access_key,
    awsSessionToken: body.awsSessionToken ?? body.aws_session_token,
    vertexServiceAccountJson: body.vertexServiceAccountJson ?? body.vertex_service_account_json,
  };
  const present = Object.fromEntries(Object.entries(secret).filter(([, v]) => v !== undefined)) as VirtualKeySecret;
  return Object.keys(present).length === 0 ? undefined : present;
}

/** `****` plus the last 4 characters of the main secret (nothing of secrets shorter than 12). */
function mask(secret: VirtualKeySecret): string {
  const main = secret.apiKey ?? secret.awsAccessKeyId ?? "";
  return main.length >= 12 ? `****${main.slice(-4)}` : "****";
}

export function presentVirtualKey(vk: VirtualKeyRecord): Record<string, unknown> {
  const o = vk.providerOptions;
  return {
    id: vk.id,
    slug: vk.slug,
    name: vk.name,
    ai_provider_name: vk.provider,
    provider: vk.provider,
    model_config: {
      ...(o.resourceName === undefined ? {} : { resourceName: o.resourceName }),
      ...(o.deploymentId === undefined ? {} : { deploymentName: o.deploymentId }),
      ...(o.apiVersion === undefined ? {} : { apiVersion: o.apiVersion }),
      ...(o.awsRegion === undefined ? {} : { awsRegion: o.awsRegion }),
      ...(o.awsRoleArn === undefined ? {} : { awsRoleArn: o.awsRoleArn }),
      ...(o.awsExternalId === undefined ? {} : { awsExternalId: o.awsExternalId }),
      ...(o.vertexProjectId === undefined ? {} : { vertexProjectId: o.vertexProjectId }),
      ...(o.vertexRegion === undefined ? {} : { vertexRegion: o.vertexRegion }),
      ...(o.customHost === undefined ? {} : { customHost: o.customHost }),
    },
    masked_api_key: vk.maskedSecret,
    note: vk.note ?? null,
    status: vk.status,
    usage_limits: vk.usageLimits ?? null,
    rate_limits: vk.rateLimits ?? null,
    workspace_id: vk.workspaceId,
    created_at: iso(vk.createdAt),
    last_updated_at: iso(vk.updatedAt),
    version: vk.version,
    object: "virtual-key",
  };
}

export function visibleVirtualKey(ctx: RouteContext): Promise<VirtualKeyRecord> {
  return visibleBySlug(
    ctx,
    "virtual-key",
    (workspaceId, slug) => ctx.deps.store.getVirtualKey(workspaceId, slug),
    (slug) => new NotFoundError(`Virtual key '${slug}' not found.`, { code: "virtual_key_not_found" }),
  );
}

export async function createVirtualKey(ctx: RouteContext<z.output<typeof createSchema>>): Promise<CoreResponse> {
  const body = ctx.body;
  const workspaceId = await targetWorkspace(ctx.principal, body.workspace_id, ctx.deps.store);
  const slug = slugFor("", body);
  const secret = secretOf(body);
  const options = providerOptions(body);
  if (secret === undefined && options.customHost === undefined) {
    throw new BadRequestError("A virtual key needs a key (or AWS credentials, or a custom_host).", { param: "key" });
  }
  const stored = secret ?? {};
  const now = ctx.now();
  const record: VirtualKeyRecord = {
    id: randomUUID(),
    workspaceId,
    slug,
    name: body.name,
    provider: body.provider,
    ...(body.note === undefined || body.note === null ? {} : { note: body.note }),
    status: "active",
    providerOptions: options,
    encryptedSecret: await ctx.deps.cipher.encrypt(JSON.stringify(stored), {
      workspace: workspaceId,
      virtualKey: slug,
    }),
    maskedSecret: mask(stored),
    ...(body.usage_limits === undefined ? {} : { usageLimits: body.usage_limits }),
    ...(body.rate_limits === undefined ? {} : { rateLimits: body.rate_limits }),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const saved = await ctx.deps.store.createVirtualKey(record);
  ctx.deps.onChange?.virtualKeyChanged?.(saved.workspaceId, saved.slug); // drops a cached "not found" for the slug
  return jsonResponse(200, presentVirtualKey(saved));
}

export async function listVirtualKeys(ctx: RouteContext<unknown, ListQuery>): Promise<CoreResponse> {
  return pageResponse(
    await ctx.deps.store.listVirtualKeys(await queriedWorkspace(ctx), ctx.query.page),
    presentVirtualKey,
  );
}

export async function getVirtualKey(ctx: RouteContext): Promise<CoreResponse> {
  return jsonResponse(200, presentVirtualKey(await visibleVirtualKey(ctx)));
}

/** Update; any secret field rotates the secret (the whole secret bundle is replaced), the slug stays. */
export async function updateVirtualKey(ctx: RouteContext<z.output<typeof updateSchema>>): Promise<CoreResponse> {
  const body = ctx.body;
  const current = await visibleVirtualKey(ctx);
  if (body.workspace_id !== undefined && body.workspace_id !== current.workspaceId) {
    throw new BadRequestError("A virtual key cannot move between workspaces.", { param: "workspace_id" });
  }
  const version = versionToReplace(ctx.req, current, body.expected_version, "Virtual key");
  const secret = secretOf(body);
  const context = { workspace: current.workspaceId, virtualKey: current.slug };
  const { note: _n, ...rest } = current;
  const note = body.note === undefined ? current.note : (body.note ?? undefined);
  const next: VirtualKeyRecord = {
    ...rest,
    name: body.name ?? current.name,
    status: body.status ?? current.status,
    providerOptions: providerOptions(body, current.providerOptions),
    ...(note === undefined ? {} : { note }),
    ...(secret === undefined
      ? {}
      : {
          encryptedSecret: await ctx.deps.cipher.encrypt(JSON.stringify(secret), context),
          maskedSecret: mask(secret),
        }),
    ...(body.usage_limits === undefined ? {} : { usageLimits: body.usage_limits }),
    ...(body.rate_limits === undefined ? {} : { rateLimits: body.rate_limits }),
  };
  const saved = await ctx.deps.store.replaceVirtualKey(next, version);
  ctx.deps.onChange?.virtualKeyChanged?.(saved.workspaceId, saved.slug);
  return jsonResponse(200, presentVirtualKey(saved));
}

export async function deleteVirtualKey(ctx: RouteContext): Promise<CoreResponse> {
  const vk = await visibleVirtualKey(ctx);
  await ctx.deps.store.deleteVirtualKey(vk.workspaceId, vk.slug);
  ctx.deps.onChange?.virtualKeyChanged?.(vk.workspaceId, vk.slug);
  return jsonResponse(200, { id: vk.id, slug: vk.slug, object: "virtual-key", deleted: true });
}
