import { randomBytes } from "node:crypto";
import * as z from "zod";
import { BadRequestError, ConflictError, NotFoundError, PermissionError } from "../core/errors";
import type { Principal } from "../core/principal";
import { intParam, textParam } from "../http/query-params";
import { type CoreRequest, type CoreResponse, jsonResponse } from "../http/types";
import type { ControlStore } from "../store/control-store";
import type { Page, PageRequest, SlugKind } from "../store/types";
import type { AdminContext } from "./admin-types";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;
const MAX_CURSOR_CHARS = 2048;

/** `workspace_id`: which workspace the root key acts on (a workspace key may only name its own). */
export const workspaceQuery = z.object({ workspace_id: textParam(128) });

const LIST_FIELDS = {
  limit: intParam("limit", 1, MAX_PAGE_SIZE),
  page_size: intParam("page_size", 1, MAX_PAGE_SIZE),
  cursor: textParam(MAX_CURSOR_CHARS),
  current_page: z
    .enum(["0", "1"], { error: "Page numbers are not supported; pass the next_cursor of the previous page as cursor." })
    .optional(),
};

/**
 * An admin list's query: `limit` (alias Portkey's `page_size`), 1..100, default 50; `cursor` from the previous
 * page's `next_cursor` (keyset pagination: page numbers are refused, except Portkey's `current_page` 0 or 1);
 * `workspace_id`. Extend `listFields` and finish with `.transform(withPage)` for lists with more parameters.
 */
export const listFields = workspaceQuery.extend(LIST_FIELDS);

/** Adds the parsed `page` next to the list parameters. */
export function withPage<Q extends { limit: number | undefined; page_size: number | undefined; cursor?: string }>(
  q: Q,
): Q & { page: PageRequest } {
  const limit = q.limit ?? q.page_size ?? DEFAULT_PAGE_SIZE;
  return { ...q, page: q.cursor === undefined ? { limit } : { limit, cursor: q.cursor } };
}

export const listQuery = listFields.transform(withPage);

export type ListQuery = z.output<typeof listQuery>;

export function listResponse<T>(data: readonly T[], nextCursor: string | undefined): Record<string, unknown> {
  return {
    object: "list",
    total: data.length,
    data,
    has_more: nextCursor !== undefined,
    ...(nextCursor === undefined ? {} : { next_cursor: nextCursor }),
  };
}

/** A list answer: one page, each item presented. */
export function pageResponse<T>(page: Page<T>, present: (item: T) => unknown): CoreResponse {
  return jsonResponse(200, listResponse(page.items.map(present), page.nextCursor));
}

/**
 * The version an update replaces: the current one, unless the caller names another (`If-Match: <version>`, else
 * body `expected_version`), which is refused before any write is attempted.
 */
export function versionToReplace(
  req: CoreRequest,
  current: { readonly version: number },
  bodyExpected: number | undefined,
  what: string,
): number {
  const expected = expectedVersion(req, bodyExpected);
  if (expected !== undefined && expected !== current.version) {
    throw new ConflictError(`${what} is at version ${current.version}, not ${expected}.`, { code: "version_conflict" });
  }
  return current.version;
}

/** `If-Match: <version>` or body `expected_version`; undefined when the caller names none. */
function expectedVersion(req: CoreRequest, bodyValue: number | undefined): number | undefined {
  const header = req.headers["if-match"]?.replaceAll('"', "").trim();
  if (header !== undefined && header !== "") {
    const version = Number(header);
    if (!Number.isInteger(version) || version < 1) throw new BadRequestError("If-Match must be a version number.");
    return version;
  }
  return bodyValue;
}

export function workspaceNotFound(): NotFoundError {
  return new NotFoundError("Workspace not found.", { param: "workspace_id", code: "workspace_not_found" });
}

export function requireRoot(principal: Principal, action: string): void {
  if (!principal.isRoot) throw new PermissionError(`Only the root admin key can ${action}.`);
}

/**
 * The workspace a workspace-scoped call acts on. A workspace key always acts on its own workspace (naming another
 * one is a 404, never a 403, so existence does not leak); the root key must name an existing workspace.
 */
export async function targetWorkspace(
  principal: Principal,
  requested: string | undefined,
  store: Pick<ControlStore, "getWorkspace">,
): Promise<string> {
  if (!principal.isRoot) {
    if (requested !== undefined && requested !== principal.workspaceId) throw workspaceNotFound();
    return principal.workspaceId;
  }
  if (requested === undefined) {
    throw new BadRequestError("workspace_id is required with the root admin key.", { param: "workspace_id" });
  }
  if ((await store.getWorkspace(requested)) === undefined) throw workspaceNotFound();
  return requested;
}

/** The workspace named by the request's `workspace_id` query parameter, as `targetWorkspace` decides it. */
export function queriedWorkspace(ctx: AdminContext): Promise<string> {
  return targetWorkspace(ctx.principal, ctx.req.query.get("workspace_id") ?? undefined, ctx.deps.store);
}

/**
 * Workspace of a slug-addressed object (`workspace_id` of the query, as `targetWorkspace` decides it); the root key
 * may leave it out when exactly one workspace has the slug. None has it: `notFound`.
 */
export async function workspaceOfSlug(
  ctx: AdminContext,
  kind: SlugKind,
  slug: string,
  notFound: () => NotFoundError,
): Promise<string> {
  const requested = ctx.req.query.get("workspace_id") ?? undefined;
  if (!ctx.principal.isRoot || requested !== undefined)
    return targetWorkspace(ctx.principal, requested, ctx.deps.store);
  const owners = await ctx.deps.store.findSlugOwners(kind, slug);
  if (owners.length === 1 && owners[0] !== undefined) return owners[0];
  if (owners.length === 0) throw notFound();
  throw new BadRequestError(`Several workspaces have '${slug}'; pass workspace_id.`, { param: "workspace_id" });
}

/** The slug-addressed object a request's path names (first path parameter), in the caller's view, else `notFound`. */
export async function visibleBySlug<T>(
  ctx: AdminContext & { readonly params: readonly string[] },
  kind: SlugKind,
  read: (workspaceId: string, slug: string) => Promise<T | undefined>,
  notFound: (slug: string) => NotFoundError,
): Promise<T> {
  const slug = ctx.params[0] ?? "";
  const found = await read(await workspaceOfSlug(ctx, kind, slug, () => notFound(slug)), slug);
  if (found === undefined) throw notFound(slug);
  return found;
}

const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function slugify(text: string): string {
  const base = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return base === "" ? "item" : base;
}

/** `<prefix><slugified name>-<6 random chars>`: readable and unlikely to collide across workspaces. */
function newSlug(prefix: string, name: string): string {
  return `${prefix}${slugify(name)}-${randomBytes(4).toString("hex").slice(0, 6)}`;
}

/** A new object's slug: the one the body names (checked), else `<prefix><name>-<random>`. */
export function slugFor(prefix: string, body: { readonly name: string; readonly slug?: string | undefined }): string {
  if (body.slug === undefined) return newSlug(prefix, body.name);
  if (!SLUG_PATTERN.test(body.slug)) {
    throw new BadRequestError("slug must be 1-63 lower-case letters, digits or '-'.", { param: "slug" });
  }
  return body.slug;
}

export function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** The last instant `expires_at` may name: 9999-12-31T23:59:59Z (later dates break ISO-8601 and stores alike). */
const MAX_EXPIRY_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/** `expires_at` as ISO string or epoch seconds -> epoch seconds, which must lie in the future (before year 10000). */
export function parseExpiry(value: string | number, nowMs: number): number {
  const ms = typeof value === "number" ? value * 1000 : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new BadRequestError("expires_at must be an ISO date or epoch seconds.", { param: "expires_at" });
  if (ms <= nowMs) throw new BadRequestError("expires_at must be in the future.", { param: "expires_at" });
  if (ms > MAX_EXPIRY_MS) {
    throw new BadRequestError("expires_at must be no later than 9999-12-31T23:59:59Z.", { param: "expires_at" });
  }
  return Math.floor(ms / 1000);
}
