import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_TABLE_NAME } from "../../shared/aws/local-control-plane";
import { SecretDecryptionError } from "../../shared/crypto/secret-cipher";
import { ENTITY_KINDS } from "../../shared/store/entity-kinds";
import { coreRequest } from "../support/core-http";
import { type ControlHarness, field, ROOT_KEY, startControlHarness, text } from "./control-support";

/**
 * Full operator scenario through the admin core on dynalite, then: no provider secret or gateway key secret appears
 * in any response, error body, log line or stored item; cross-workspace access fails with 404 everywhere.
 */
describe("control plane: full scenario, secret scan and workspace isolation", () => {
  const providerSecret = "sk-proj-SUPERSECRET-0123456789abcdefghij";
  const rotatedSecret = "sk-proj-ROTATEDSECRET-9876543210zyxwvu";
  const bedrockSecret = "aws-secret-AKIAexample/abc+defghijklmnopqrstu";
  const bedrockToken = "aws-session-token-IQoJb3JpZ2luX2VjEJv";
  const logLines: string[] = [];
  let h: ControlHarness;
  let wsA: string;
  let wsB: string;
  let appKey: string;
  let adminKeyA: string;
  let adminKeyB: string;
  let vkSlug: string;
  let vkSlugB: string;
  let apiKeyIdB: string;
  let configB: string;
  let raw: DynamoDBDocumentClient;
  /** The create responses: the one place each gateway key secret is shown (once). */
  const keyCreations = new Set<string>();

  beforeAll(async () => {
    h = await startControlHarness(logLines);
    raw = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: h.dynamo.endpoint,
        region: "local",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      }),
    );
    // Act (the scenario every test below inspects)
    wsA = text((await h.call("POST", "/v1/admin/workspaces", ROOT_KEY, { name: "Team A" })).json, "id");
    wsB = text((await h.call("POST", "/v1/admin/workspaces", ROOT_KEY, { name: "Team B" })).json, "id");
    const issue = async (key: string, path: string, body: unknown) => {
      const created = await h.call("POST", path, key, body);
      keyCreations.add(created.text);
      return text(created.json, "key");
    };
    adminKeyA = await issue(ROOT_KEY, "/v1/api-keys/workspace/service", {
      name: "ops",
      workspace_id: wsA,
      scopes: ["admin"],
    });
    adminKeyB = await issue(ROOT_KEY, "/v1/api-keys/workspace/service", {
      name: "ops",
      workspace_id: wsB,
      scopes: ["admin"],
    });
    appKey = await issue(adminKeyA, "/v1/api-keys", { name: "app", scopes: ["completions"] });
    vkSlug = text(
      (
        await h.call("POST", "/v1/virtual-keys", adminKeyA, {
          name: "OpenAI prod",
          provider: "openai",
          key: providerSecret,
        })
      ).json,
      "slug",
    );
    await h.call("PUT", `/v1/virtual-keys/${vkSlug}`, adminKeyA, { key: rotatedSecret });
    await h.call("POST", "/v1/virtual-keys", adminKeyA, {
      name: "Bedrock",
      provider: "bedrock",
      aws_access_key_id: "AKIAEXAMPLEKEYID0001",
      aws_secret_access_key: bedrockSecret,
      aws_session_token: bedrockToken,
      aws_region: "eu-west-1",
    });
    await h.call("GET", "/v1/virtual-keys", adminKeyA);
    await h.call("GET", `/v1/virtual-keys/${vkSlug}`, adminKeyA);
    await h.call("GET", "/v1/api-keys", adminKeyA);
    vkSlugB = text(
      (
        await h.call("POST", "/v1/virtual-keys", adminKeyB, {
          name: "B key",
          provider: "openai",
          key: "sk-b-000000000000",
        })
      ).json,
      "slug",
    );
    const keysOfB = field((await h.call("GET", "/v1/api-keys", adminKeyB)).json, "data") as unknown[];
    apiKeyIdB = text(keysOfB[0], "id");
    configB = text(
      (await h.call("POST", "/v1/configs", adminKeyB, { name: "B routing", config: { retry: { attempts: 2 } } })).json,
      "slug",
    );
    // error bodies are part of the scan too
    await h.call("POST", "/v1/virtual-keys", adminKeyA, {
      name: "dup",
      provider: "openai",
      key: providerSecret,
      slug: vkSlug,
    });
    await h.call("POST", "/v1/virtual-keys", appKey, { name: "x", provider: "openai", key: providerSecret });
  });

  afterAll(async () => {
    raw?.destroy();
    await h?.close();
  });

  it("lets the app key authenticate and the gateway resolve the rotated secret under the same slug", async () => {
    // Act
    const principal = await h.plane.authenticator.authenticate(
      coreRequest("POST", "/v1/chat/completions", { authorization: `Bearer ${appKey}` }),
      "completions",
    );
    const resolved = await h.plane.virtualKeys.resolve(principal.workspaceId, vkSlug);
    // Assess
    expect(principal.workspaceId).toBe(wsA);
    expect(resolved.secret.apiKey).toBe(rotatedSecret);
    expect(resolved.provider).toBe("openai");
    expect(resolved.version).toBe(2);
  });

  it("leaves no provider secret or gateway key secret in any response, error body, log line or DynamoDB item", async () => {
    // Prepare
    const scan = await raw.send(new ScanCommand({ TableName: LOCAL_TABLE_NAME }));
    const items = (scan.Items ?? []).map((item) => JSON.stringify(item));
    const haystacks = [...h.bodies.filter((body) => !keyCreations.has(body)), ...items, ...logLines];
    const gatewaySecrets = [appKey, adminKeyA, adminKeyB].map((k) => k.split(".")[1] ?? k);
    // Act
    const hits = [
      providerSecret,
      rotatedSecret,
      bedrockSecret,
      bedrockToken,
      ...gatewaySecrets,
      ...[appKey, adminKeyA],
    ].flatMap((secret) =>
      haystacks.filter((hay) => hay.includes(secret)).map((hay) => `${secret} in ${hay.slice(0, 80)}`),
    );
    // Assess
    expect(items.length).toBeGreaterThan(5);
    expect(h.bodies.length).toBeGreaterThan(10);
    expect(hits).toEqual([]);
    expect(keyCreations.size).toBe(3);
    const listed = JSON.stringify((await h.call("GET", "/v1/virtual-keys", adminKeyA)).json);
    expect(listed).toContain("****wxyz".replace("wxyz", rotatedSecret.slice(-4)));
  });

  it("returns no stored secret field of any entity kind (hash, ciphertext, sealed pepper) in an admin response", async () => {
    // Prepare
    const scan = await raw.send(new ScanCommand({ TableName: LOCAL_TABLE_NAME }));
    const secretsByEntity = new Map<string, readonly string[]>(ENTITY_KINDS.map((k) => [k.entity, k.secretFields]));
    const stored = (scan.Items ?? []).flatMap((item) =>
      (secretsByEntity.get(String(item.entity)) ?? []).map((name) => `${item.entity}.${name}=${String(item[name])}`),
    );
    // Act
    const leaks = stored.filter((entry) => h.bodies.some((body) => body.includes(entry.split("=")[1] as string)));
    // Assess
    expect(stored.filter((entry) => entry.startsWith("virtual-key.encryptedSecret=")).length).toBeGreaterThan(1);
    expect(stored.filter((entry) => entry.startsWith("api-key.secretHash=")).length).toBeGreaterThan(2);
    expect(stored.some((entry) => entry.startsWith("system.value="))).toBe(true);
    expect(leaks).toEqual([]);
  });

  it("answers 404 (never 403 or data) to every cross-workspace attempt by a workspace admin key", async () => {
    // Act
    const attempts = await Promise.all([
      h.call("GET", `/v1/admin/workspaces/${wsB}`, adminKeyA),
      h.call("PUT", `/v1/admin/workspaces/${wsB}`, adminKeyA, { name: "hijack" }),
      h.call("GET", `/v1/api-keys?workspace_id=${wsB}`, adminKeyA),
      h.call("GET", `/v1/api-keys/${apiKeyIdB}`, adminKeyA),
      h.call("PUT", `/v1/api-keys/${apiKeyIdB}`, adminKeyA, { scopes: ["admin", "completions"] }),
      h.call("DELETE", `/v1/api-keys/${apiKeyIdB}`, adminKeyA),
      h.call("GET", `/v1/virtual-keys/${vkSlugB}`, adminKeyA),
      h.call("PUT", `/v1/virtual-keys/${vkSlugB}`, adminKeyA, { key: "sk-attacker-0000000000" }),
      h.call("DELETE", `/v1/virtual-keys/${vkSlugB}`, adminKeyA),
      h.call("GET", `/v1/virtual-keys?workspace_id=${wsB}`, adminKeyA),
      h.call("POST", "/v1/virtual-keys", adminKeyA, {
        name: "x",
        provider: "openai",
        key: "sk-x-00000000000",
        workspace_id: wsB,
      }),
      h.call("POST", "/v1/api-keys", adminKeyA, { name: "x", scopes: ["admin"], workspace_id: wsB }),
      h.call("GET", `/v1/configs/${configB}`, adminKeyA),
      h.call("PUT", `/v1/configs/${configB}`, adminKeyA, { config: {} }),
      h.call("DELETE", `/v1/configs/${configB}`, adminKeyA),
    ]);
    // Assess
    expect(attempts.map((a) => a.status)).toEqual(attempts.map(() => 404));
    const own = (await h.call("GET", "/v1/admin/workspaces", adminKeyA)).json;
    expect((field(own, "data") as unknown[]).map((w) => field(w, "id"))).toEqual([wsA]);
    expect(text((await h.call("GET", `/v1/virtual-keys/${vkSlugB}`, adminKeyB)).json, "masked_api_key")).toBe(
      "****0000",
    );
    await expect(h.plane.virtualKeys.resolve(wsA, vkSlugB)).rejects.toMatchObject({ statusCode: 404 });
  });

  it("uses 401 for missing/invalid keys and 403 for a key without the admin scope or a non-root workspace create", async () => {
    // Act
    const missing = await h.call("GET", "/v1/virtual-keys", undefined);
    const invalid = await h.call(
      "GET",
      "/v1/virtual-keys",
      "pk-gw-0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    );
    const noScope = await h.call("GET", "/v1/virtual-keys", appKey);
    const notRoot = await h.call("POST", "/v1/admin/workspaces", adminKeyA, { name: "C" });
    // Assess
    expect([missing.status, invalid.status, noScope.status, notRoot.status]).toEqual([401, 401, 403, 403]);
    expect(field(field(noScope.json, "error"), "type")).toBe("permission_error");
  });

  it("refuses to decrypt a virtual-key ciphertext copied into another workspace's item", async () => {
    // Prepare: copy A's encrypted secret over B's item, as an attacker with table write access would
    const scan = await raw.send(new ScanCommand({ TableName: LOCAL_TABLE_NAME }));
    const itemA = (scan.Items ?? []).find((i) => i.entity === "virtual-key" && i.slug === vkSlug);
    const itemB = (scan.Items ?? []).find((i) => i.entity === "virtual-key" && i.slug === vkSlugB);
    await raw.send(
      new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: { ...itemB, encryptedSecret: itemA?.encryptedSecret } }),
    );
    h.plane.virtualKeys.forget(wsB, vkSlugB);
    // Act
    const resolving = h.plane.virtualKeys.resolve(wsB, vkSlugB);
    // Assess
    await expect(resolving).rejects.toBeInstanceOf(SecretDecryptionError);
  });
});
