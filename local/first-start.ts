import type { CoreHandler } from "../shared/http/types";

/**
 * On the very first start, make the gateway usable at once: a "default" workspace and a gateway key with every
 * scope, created through the admin API with the root key. The key is shown once and never stored in plain text.
 */
export async function createStarterKey(
  admin: CoreHandler,
  rootKey: string,
): Promise<{ workspaceId: string; apiKey: string }> {
  async function call(path: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await admin({
      method: "POST",
      path,
      query: new URLSearchParams(),
      headers: { "x-portkey-api-key": rootKey, "content-type": "application/json" },
      body: Buffer.from(JSON.stringify(body)),
      signal: new AbortController().signal,
    });
    const parsed = JSON.parse(String(res.body)) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(parsed)}`);
    return parsed;
  }
  const workspace = await call("/v1/admin/workspaces", { name: "default" });
  const key = await call("/v1/api-keys", {
    name: "starter key",
    workspace_id: workspace.id,
    scopes: ["completions", "admin", "analytics", "logs"],
  });
  return { workspaceId: String(workspace.id), apiKey: String(key.key) };
}
