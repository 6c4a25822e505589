import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLocalControlPlane } from "../../shared/aws/local-control-plane";
import { startLocalDynamo } from "../../shared/store/local-dynamo";
import { bodyText, coreRequest } from "../support/core-http";
import { text } from "./control-support";

describe("local runtime state", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("keeps workspaces, the root key and decryptable virtual keys across a restart of dynalite", async () => {
    // Prepare
    const dataDir = await mkdtemp(join(tmpdir(), "gw-local-"));
    dirs.push(dataDir);
    const first = await startLocalDynamo(dataDir);
    const plane = await createLocalControlPlane({ dataDir, dynamoEndpoint: first.endpoint });
    const root = plane.adminKey.key;
    const call = async (p: typeof plane, method: string, path: string, body?: unknown) =>
      JSON.parse(await bodyText(await p.adminCore(coreRequest(method, path, { "x-portkey-api-key": root }, body))));
    const ws = text(await call(plane, "POST", "/v1/admin/workspaces", { name: "persist" }), "id");
    const slug = text(
      await call(plane, "POST", "/v1/virtual-keys", {
        name: "vk",
        provider: "openai",
        key: "sk-persist-123456",
        workspace_id: ws,
      }),
      "slug",
    );
    plane.close();
    await first.close();
    // Act
    const second = await startLocalDynamo(dataDir);
    const again = await createLocalControlPlane({ dataDir, dynamoEndpoint: second.endpoint });
    const workspace = await call(again, "GET", `/v1/admin/workspaces/${ws}`);
    const resolved = await again.virtualKeys.resolve(ws, slug);
    again.close();
    await second.close();
    // Assess
    expect(plane.adminKey.created).toBe(true);
    expect(again.adminKey).toEqual({ key: root, created: false });
    expect(workspace.name).toBe("persist");
    expect(resolved.secret.apiKey).toBe("sk-persist-123456");
  });
});
