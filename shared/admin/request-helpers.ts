import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { BadRequestError, ConflictError, NotFoundError, PermissionError } from "../core/errors";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../core/json-depth";
import type { Principal } from "../core/principal";
import type { CoreRequest } from "../http/types";
import type { ControlStore } from "../store/control-store";
import type { PageRequest, SlugKind } from "../store/types";

/** Parses the body as JSON and validates it; problems become 400s naming the offending field. */
export function parseBody<S extends z.ZodType>(req: CoreRequest, schema: S): z.infer<S> {
  let value: unknown = {};
  if (req.body.length > 0) {
    try {
      value = JSON.parse(req.body.toString("utf8"));
    } catch {
      throw new BadRequestError("Request body must be valid JSON.", { code: "invalid_json" });
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadRequestError("Request body must be a JSON object.", { code: "invalid_json" });
  }
  if (nestedDeeperThan(value)) {
    throw new BadRequestError(`Request body is nested more than ${MAX_JSON_DEPTH} levels deep.`, {
      code: "invalid_json",
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.map(String).join(".") || null;
    throw new BadRequestError(`${param ?? "body"}: ${issue?.message ?? "invalid value"}`, { param });
  }
  return parsed.data;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** `limit` (alias Portkey's `page_size`), 1..100, default 50; `cursor` from the previous page. */
export function parsePage(query: URLSearchParams): PageRequest {
  const raw = query.get("limit") ?? query.get("page_size");
  const limit = raw === null ? DEFAULT_PAGE_SIZE : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new BadRequestError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}.`, { param: "limit" });
  }
  const currentPage = query.get("current_page");
  if (currentPage !== null && currentPage !== "0" && currentPage !== "1") {
    throw new BadRequestError("Page numbers are not supported; pass the next_cursor of the previous page as cursor.", {
      param: "current_page",
    });
  }
  const cursor = query.get("cursor") ?? undefined;
  return cursor === undefined || cursor === "" ? { limit } : { limit, cursor };
}

export function listResponse<T>(data: readonly T[], nextCursor: string | undefined): Record<string, unknown> {
  return {
    object: "list",
    total: data.length,
    data,
    has_more: nextCursor !== undefined,
    ...(nextCursor === undefined ? {} : { next_cursor: nextCursor }),
  };
}

/** `If-Match: <version>` or body `expected_version`; undefined when the caller names none. */
export function expectedVersion(req: CoreRequest, bodyValue: number | undefined): number | undefined {
  const header = req.headers["if-match"]?.replaceAll('"', "").trim();
  if (header !== undefined && header !== "") {
    const version = Number(header);
    if (!Number.isInteger(version) || version < 1) throw new BadRequestError("If-Match must be a version number.");
    return version;
  }
  return bodyValue;
}

/** Refuses a write whose expected version is not the current one (before any write is attempted). */
export function checkVersion(current: number, expected: number | undefined, what: string): number {
  if (expected !== undefined && expected !== current) {
    throw new ConflictError(`${what} is at version ${current}, not ${expected}.`, { code: "version_conflict" });
  }
  return current;
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

/** Workspace of a slug-addressed object; the root key may omit workspace_id when the slug is unambiguous. */
export async function workspaceOfSlug(
  principal: Principal,
  requested: string | undefined,
  kind: SlugKind,
  slug: string,
  store: Pick<ControlStore, "getWorkspace" | "findSlugOwners">,
): Promise<string> {
  if (!principal.isRoot || requested !== undefined) return targetWorkspace(principal, requested, store);
  const owners = await store.findSlugOwners(kind, slug);
  if (owners.length === 1 && owners[0] !== undefined) return owners[0];
  if (owners.length === 0)
    throw new NotFoundError(`${kind === "config" ? "Config" : "Virtual key"} '${slug}' not found.`);
  throw new BadRequestError(`Several workspaces have '${slug}'; pass workspace_id.`, { param: "workspace_id" });
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
export function newSlug(prefix: string, name: string): string {
  return `${prefix}${slugify(name)}-${randomBytes(4).toString("hex").slice(0, 6)}`;
}

export function checkSlug(slug: string, param: string): string {
  if (!SLUG_PATTERN.test(slug)) {
    throw new BadRequestError(`${param} must be 1-63 lower-case letters, digits or '-'.`, { param });
  }
  return slug;
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
