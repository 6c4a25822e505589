import { BadRequestError, MethodNotAllowedError, NotFoundError, renderError } from "../core/errors";
import type { CoreHandler, CoreRequest, CoreResponse } from "../http/types";
import type { AdminCoreDeps, RouteHandler } from "./admin-types";
import { createApiKey, deleteApiKey, getApiKey, listApiKeys, updateApiKey } from "./api-key-routes";
import { createConfig, deleteConfig, getConfig, listConfigs, updateConfig } from "./config-routes";
import {
  createPrompt,
  deletePrompt,
  getPrompt,
  getPromptVersion,
  listPrompts,
  listPromptVersions,
  promptPartials,
  publishPrompt,
  updatePrompt,
  updatePromptVersion,
} from "./prompt-routes";
import { apiKeyUsage, virtualKeyUsage, workspaceUsage } from "./usage-routes";
import {
  createVirtualKey,
  deleteVirtualKey,
  getVirtualKey,
  listVirtualKeys,
  updateVirtualKey,
} from "./virtual-key-routes";
import { createWorkspace, deleteWorkspace, getWorkspace, listWorkspaces, updateWorkspace } from "./workspace-routes";

interface Route {
  readonly pattern: RegExp;
  readonly methods: Readonly<Record<string, RouteHandler>>;
}

const SEGMENT = "([^/]+)";

/** Portkey-compatible control-plane paths (see docs/control-plane.md). */
const ROUTES: readonly Route[] = [
  { pattern: new RegExp(`^/v1/virtual-keys/${SEGMENT}/usage$`), methods: { GET: virtualKeyUsage } },
  { pattern: new RegExp(`^/v1/api-keys/${SEGMENT}/usage$`), methods: { GET: apiKeyUsage } },
  { pattern: new RegExp(`^/v1/admin/workspaces/${SEGMENT}/usage$`), methods: { GET: workspaceUsage } },
  { pattern: /^\/v1\/admin\/workspaces$/, methods: { GET: listWorkspaces, POST: createWorkspace } },
  {
    pattern: new RegExp(`^/v1/admin/workspaces/${SEGMENT}$`),
    methods: { GET: getWorkspace, PUT: updateWorkspace, DELETE: deleteWorkspace },
  },
  { pattern: /^\/v1\/api-keys$/, methods: { GET: listApiKeys, POST: createApiKey } },
  { pattern: new RegExp(`^/v1/api-keys/${SEGMENT}/${SEGMENT}$`), methods: { POST: createApiKey } },
  {
    pattern: new RegExp(`^/v1/api-keys/${SEGMENT}$`),
    methods: { GET: getApiKey, PUT: updateApiKey, DELETE: deleteApiKey },
  },
  { pattern: /^\/v1\/virtual-keys$/, methods: { GET: listVirtualKeys, POST: createVirtualKey } },
  {
    pattern: new RegExp(`^/v1/virtual-keys/${SEGMENT}$`),
    methods: { GET: getVirtualKey, PUT: updateVirtualKey, DELETE: deleteVirtualKey },
  },
  { pattern: /^\/v1\/configs$/, methods: { GET: listConfigs, POST: createConfig } },
  {
    pattern: new RegExp(`^/v1/configs/${SEGMENT}$`),
    methods: { GET: getConfig, PUT: updateConfig, DELETE: deleteConfig },
  },
  {
    pattern: /^\/v1\/prompts\/partials(?:\/.*)?$/,
    methods: { GET: promptPartials, POST: promptPartials, PUT: promptPartials, DELETE: promptPartials },
  },
  { pattern: /^\/v1\/prompts$/, methods: { GET: listPrompts, POST: createPrompt } },
  {
    pattern: new RegExp(`^/v1/prompts/${SEGMENT}$`),
    methods: { GET: getPrompt, PUT: updatePrompt, DELETE: deletePrompt },
  },
  { pattern: new RegExp(`^/v1/prompts/${SEGMENT}/makeDefault$`), methods: { PUT: publishPrompt } },
  { pattern: new RegExp(`^/v1/prompts/${SEGMENT}/versions$`), methods: { GET: listPromptVersions } },
  {
    pattern: new RegExp(`^/v1/prompts/${SEGMENT}/versions/${SEGMENT}$`),
    methods: { GET: getPromptVersion, PUT: updatePromptVersion },
  },
];

/** Paths this core serves (the integrator mounts the admin function on these). */
export const ADMIN_PATH_PREFIXES = [
  "/v1/admin/workspaces",
  "/v1/api-keys",
  "/v1/virtual-keys",
  "/v1/configs",
  "/v1/prompts",
] as const;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequestError("Malformed path segment.", { code: "invalid_path" });
  }
}

function match(path: string): { route: Route; params: string[] } | undefined {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  for (const route of ROUTES) {
    const found = route.pattern.exec(trimmed);
    if (found) return { route, params: found.slice(1).map(decodeSegment) };
  }
  return undefined;
}

/**
 * The control-plane core: authenticates every call (root key or a key with the `admin` scope), routes it, and
 * renders every failure through `renderError` (4xx with a message, 5xx generic).
 */
export function createAdminCore(deps: AdminCoreDeps): CoreHandler {
  const now = deps.now ?? Date.now;
  return async function adminCore(req: CoreRequest): Promise<CoreResponse> {
    if (req.method === "GET" && req.path === "/v1/admin/health") {
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: '{"status":"ok","service":"admin"}',
      };
    }
    try {
      const principal = await deps.authenticator.authenticate(req, "admin");
      const found = match(req.path);
      if (found === undefined) throw new NotFoundError(`No admin route for ${req.path}.`, { code: "route_not_found" });
      const handler = found.route.methods[req.method];
      if (handler === undefined) throw new MethodNotAllowedError(req.method, req.path);
      return await handler({ req, principal, params: found.params, deps, now });
    } catch (err) {
      const rendered = renderError(err);
      if (rendered.status >= 500) {
        deps.logger?.error("admin request failed", {
          method: req.method,
          path: req.path,
          error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
        });
      }
      return { status: rendered.status, headers: rendered.headers, body: rendered.body };
    }
  };
}
