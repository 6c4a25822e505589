import { GatewayError } from "../core/errors";
import { type CoreResponse, jsonResponse } from "../http/types";
import { UsageLimitsSchema } from "../limits/limit-schemas";
import type { LimitOwnerKind } from "../limits/limit-types";
import type { RouteContext } from "./admin-types";
import { visibleKey } from "./api-key-routes";
import { visibleVirtualKey } from "./virtual-key-routes";
import { visibleWorkspace } from "./workspace-routes";

/**
 * `GET /v1/virtual-keys/{slug}/usage`, `GET /v1/api-keys/{id}/usage`, `GET /v1/admin/workspaces/{id}/usage`:
 * current spend per budget and period.
 */
async function usageOf(
  ctx: RouteContext,
  owner: { workspaceId: string; kind: LimitOwnerKind; id: string; usageLimits?: unknown },
): Promise<CoreResponse> {
  const reader = ctx.deps.usage;
  if (!reader) {
    throw new GatewayError(501, "invalid_request_error", "Usage is not available on this deployment.", {
      code: "usage_unavailable",
    });
  }
  const limits = owner.usageLimits === undefined ? [] : UsageLimitsSchema.parse(owner.usageLimits);
  const data = await Promise.all(
    limits.map((limit) => reader.current({ workspaceId: owner.workspaceId, kind: owner.kind, id: owner.id, limit })),
  );
  return jsonResponse(200, { object: "list", owner: { kind: owner.kind, id: owner.id }, data });
}

export async function virtualKeyUsage(ctx: RouteContext): Promise<CoreResponse> {
  const vk = await visibleVirtualKey(ctx);
  return usageOf(ctx, { workspaceId: vk.workspaceId, kind: "virtual_key", id: vk.slug, usageLimits: vk.usageLimits });
}

export async function apiKeyUsage(ctx: RouteContext): Promise<CoreResponse> {
  const key = await visibleKey(ctx);
  return usageOf(ctx, { workspaceId: key.workspaceId, kind: "api_key", id: key.id, usageLimits: key.usageLimits });
}

export async function workspaceUsage(ctx: RouteContext): Promise<CoreResponse> {
  const ws = await visibleWorkspace(ctx, ctx.params[0] ?? "");
  return usageOf(ctx, { workspaceId: ws.id, kind: "workspace", id: ws.id, usageLimits: ws.usageLimits });
}
