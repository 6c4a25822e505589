import * as z from "zod";
import { InvalidConfigError } from "../core/config-error";
import { BadRequestError, NotFoundError } from "../core/errors";
import { withEngines } from "../core/lazy-engine";
import { compileCheck } from "../guardrails/checks-on-demand";
import {
  type GuardrailActions,
  type GuardrailChecks,
  guardrailActionsSchema,
  guardrailChecksSchema,
} from "../guardrails/saved-guardrail-schemas";
import { type SavedGuardrails, savedGuardrailHook, savedGuardrailRefs } from "../guardrails/saved-guardrails";
import { type CoreResponse, jsonResponse } from "../http/types";
import type { SavedGuardrail } from "../store/types";
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
 * Saved guardrails (Portkey's `/v1/guardrails`, the `portkey-ai` SDK's `guardrails.*`): a hook's `checks` and
 * `actions`, versioned like configs, workspace-scoped, named from configs by id (docs/guardrails.md, "Saved
 * guardrails"). Checks are validated exactly as the gateway compiles them.
 */
export const createSchema = z.object({
  name: z.string().min(1).max(100),
  checks: guardrailChecksSchema,
  actions: guardrailActionsSchema.optional(),
  workspace_id: z.string().min(1).optional(),
  slug: z.string().optional(),
});

export const updateSchema = z.object({
  name: z.string().min(1).max(100).optional(),
  checks: guardrailChecksSchema.optional(),
  actions: guardrailActionsSchema.optional(),
  status: z.enum(["active", "archived"]).optional(),
  expected_version: z.number().int().min(1).optional(),
});

const MAX_GUARDRAIL_BYTES = 100_000;

export function presentGuardrail(guardrail: SavedGuardrail): Record<string, unknown> {
  return {
    id: guardrail.slug,
    slug: guardrail.slug,
    name: guardrail.name,
    workspace_id: guardrail.workspaceId,
    status: guardrail.status,
    checks: JSON.parse(guardrail.checksJson) as unknown,
    actions: JSON.parse(guardrail.actionsJson) as unknown,
    version_id: String(guardrail.version),
    version: guardrail.version,
    created_at: iso(guardrail.createdAt),
    last_updated_at: iso(guardrail.updatedAt),
    object: "guardrail",
  };
}

/** The checks as the gateway would compile them (ids and parameters); a bad one is a 400 naming its path. */
async function checkedJson(checks: GuardrailChecks): Promise<string> {
  for (const [i, check] of checks.entries()) {
    try {
      await withEngines(() => compileCheck(check.id, check.parameters, `checks[${i}]`));
    } catch (err) {
      if (!(err instanceof InvalidConfigError)) throw err;
      const message = err.message.replace(/^Invalid config: /, "Invalid guardrail: ");
      throw new BadRequestError(message, { param: err.param ?? "checks", code: "invalid_guardrail" });
    }
  }
  const json = JSON.stringify(checks);
  if (Buffer.byteLength(json) > MAX_GUARDRAIL_BYTES) {
    throw new BadRequestError(`checks exceed ${MAX_GUARDRAIL_BYTES} bytes.`, { param: "checks" });
  }
  return json;
}

function visibleGuardrail(ctx: RouteContext): Promise<SavedGuardrail> {
  return visibleBySlug(
    ctx,
    "guardrail",
    (workspaceId, slug) => ctx.deps.store.getGuardrail(workspaceId, slug),
    (slug) => new NotFoundError(`Guardrail '${slug}' not found.`, { code: "guardrail_not_found" }),
  );
}

function changed(ctx: RouteContext, guardrail: SavedGuardrail): void {
  ctx.deps.onChange?.guardrailChanged?.(guardrail.workspaceId, guardrail.slug);
}

export async function createGuardrail(ctx: RouteContext<z.output<typeof createSchema>>): Promise<CoreResponse> {
  const body = ctx.body;
  const workspaceId = await targetWorkspace(ctx.principal, body.workspace_id, ctx.deps.store);
  const checksJson = await checkedJson(body.checks);
  const now = ctx.now();
  const saved = await ctx.deps.store.createGuardrail({
    workspaceId,
    slug: slugFor("pg-", body),
    name: body.name,
    status: "active",
    checksJson,
    actionsJson: JSON.stringify(body.actions ?? {}),
    version: 1,
    createdAt: now,
    updatedAt: now,
  });
  changed(ctx, saved); // drops a cached "not found" for the slug
  return jsonResponse(200, presentGuardrail(saved));
}

export async function listGuardrails(ctx: RouteContext<unknown, ListQuery>): Promise<CoreResponse> {
  const result = await ctx.deps.store.listGuardrails(await queriedWorkspace(ctx), ctx.query.page);
  return pageResponse(result, presentGuardrail);
}

/** `GET /v1/guardrails/{id}`; `?version=N` returns that immutable version. */
export async function getGuardrail(ctx: RouteContext): Promise<CoreResponse> {
  const head = await visibleGuardrail(ctx);
  const requested = ctx.req.query.get("version");
  if (requested === null) return jsonResponse(200, presentGuardrail(head));
  const version = Number(requested);
  if (!Number.isInteger(version) || version < 1) {
    throw new BadRequestError("version must be a positive integer.", { param: "version" });
  }
  const snapshot = await ctx.deps.store.getGuardrailVersion(head.workspaceId, head.slug, version);
  if (snapshot === undefined) throw new NotFoundError(`Guardrail '${head.slug}' has no version ${version}.`);
  const { name, checksJson, actionsJson, createdAt } = snapshot;
  return jsonResponse(200, presentGuardrail({ ...head, version, name, checksJson, actionsJson, updatedAt: createdAt }));
}

/** `PUT /v1/guardrails/{id}`: a new version; configs naming it use it within the lookup TTL. */
export async function updateGuardrail(ctx: RouteContext<z.output<typeof updateSchema>>): Promise<CoreResponse> {
  const body = ctx.body;
  const current = await visibleGuardrail(ctx);
  const version = versionToReplace(ctx.req, current, body.expected_version, "Guardrail");
  const saved = await ctx.deps.store.replaceGuardrail(
    {
      ...current,
      name: body.name ?? current.name,
      status: body.status ?? current.status,
      checksJson: body.checks === undefined ? current.checksJson : await checkedJson(body.checks),
      actionsJson: body.actions === undefined ? current.actionsJson : JSON.stringify(body.actions),
    },
    version,
  );
  changed(ctx, saved);
  return jsonResponse(200, presentGuardrail(saved));
}

/** Configs that name a deleted guardrail are refused (400) when used, never run without it. */
export async function deleteGuardrail(ctx: RouteContext): Promise<CoreResponse> {
  const guardrail = await visibleGuardrail(ctx);
  await ctx.deps.store.deleteGuardrail(guardrail.workspaceId, guardrail.slug);
  changed(ctx, guardrail);
  return jsonResponse(200, { id: guardrail.slug, slug: guardrail.slug, object: "guardrail", deleted: true });
}

/**
 * The saved guardrails a config names, read from its workspace (active ones only): what the config validator
 * compiles it with, so a reference to a missing, archived or other workspace's guardrail is a 400 naming its path.
 */
export async function guardrailsNamedBy(
  ctx: RouteContext,
  workspaceId: string,
  config: unknown,
): Promise<SavedGuardrails> {
  const saved = new Map<string, ReturnType<typeof savedGuardrailHook>>();
  for (const ref of savedGuardrailRefs(config)) {
    const found = /^[a-z0-9][a-z0-9-]{0,62}$/.test(ref)
      ? await ctx.deps.store.getGuardrail(workspaceId, ref)
      : undefined;
    if (found === undefined || found.status !== "active") continue;
    const checks = JSON.parse(found.checksJson) as GuardrailChecks;
    const actions = JSON.parse(found.actionsJson) as GuardrailActions;
    saved.set(ref, savedGuardrailHook(ref, checks, actions));
  }
  return saved;
}
