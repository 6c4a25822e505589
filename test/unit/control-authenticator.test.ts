import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { GatewayAuthenticator } from "../../shared/auth/gateway-authenticator";
import { generateGatewayKey, KeyHasher } from "../../shared/auth/gateway-key";
import { loadOrCreateLocalAdminKey, RootKeyMatcher, staticRootKey } from "../../shared/auth/root-key";
import { AuthenticationError, PermissionError } from "../../shared/core/errors";
import type { Scope } from "../../shared/core/principal";
import type { CoreRequest } from "../../shared/http/types";
import { MemoryControlStore } from "../../shared/store/memory-control-store";
import type { ApiKeyRecord } from "../../shared/store/types";
import { coreRequest } from "../support/core-http";

class CountingStore extends MemoryControlStore {
  apiKeyReads = 0;
  override async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    this.apiKeyReads++;
    await new Promise((resolve) => setTimeout(resolve, 1));
    return super.getApiKey(id);
  }
}

const ROOT = "pk-root-unit-test-root-key-0123456789";
const T0 = 1_800_000_000_000;

function request(headers: Record<string, string>): CoreRequest {
  return coreRequest("POST", "/v1/chat/completions", headers);
}

describe("GatewayAuthenticator", () => {
  let now: number;
  let store: CountingStore;
  let hasher: KeyHasher;
  let auth: GatewayAuthenticator;

  async function issueKey(scopes: Scope[], overrides: Partial<ApiKeyRecord> = {}): Promise<string> {
    const fresh = generateGatewayKey();
    await store.createApiKey({
      id: fresh.id,
      workspaceId: "ws-a",
      name: "k",
      type: "workspace",
      subType: "service",
      scopes,
      status: "active",
      secretHash: hasher.hash(fresh.key),
      displayPrefix: fresh.displayPrefix,
      defaults: { configId: "pc-key-default", metadata: { team: "search" } },
      version: 1,
      createdAt: now,
      updatedAt: now,
      ...overrides,
    });
    return fresh.key;
  }

  beforeEach(async () => {
    now = T0;
    store = new CountingStore(() => now);
    hasher = new KeyHasher(randomBytes(32));
    await store.createWorkspace({ id: "ws-a", name: "A", version: 1, createdAt: now, updatedAt: now });
    auth = new GatewayAuthenticator({
      store,
      keyHasher: async () => hasher,
      rootKey: new RootKeyMatcher(staticRootKey(ROOT)),
      now: () => now,
    });
  });

  it("turns a gateway key in x-portkey-api-key into its workspace principal", async () => {
    // Prepare
    const key = await issueKey(["completions"]);
    // Act
    const principal = await auth.authenticate(request({ "x-portkey-api-key": key }), "completions");
    // Assess
    expect(principal).toMatchObject({ workspaceId: "ws-a", isRoot: false, defaultConfigId: "pc-key-default" });
    expect(principal.metadata).toEqual({ team: "search" });
    expect([...principal.scopes]).toEqual(["completions"]);
  });

  it("accepts a gateway key as Bearer token but treats other Bearer values as provider keys (401)", async () => {
    // Prepare
    const key = await issueKey(["completions"]);
    // Act
    const viaBearer = await auth.authenticate(request({ authorization: `Bearer ${key}` }), "completions");
    const providerKey = auth.authenticate(request({ authorization: "Bearer sk-proj-abc123" }), "completions");
    // Assess
    expect(viaBearer.workspaceId).toBe("ws-a");
    await expect(providerKey).rejects.toMatchObject({ statusCode: 401, code: "missing_api_key" });
  });

  it("answers 401 for missing, malformed, unknown and tampered keys, and 403 for a missing scope", async () => {
    // Prepare
    const key = await issueKey(["completions"]);
    const tampered = `${key.slice(0, -2)}${key.endsWith("AA") ? "BB" : "AA"}`;
    const unknown = generateGatewayKey().key;
    // Act + Assess
    await expect(auth.authenticate(request({}), "completions")).rejects.toBeInstanceOf(AuthenticationError);
    await expect(auth.authenticate(request({ "x-portkey-api-key": "nope" }), "completions")).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    await expect(auth.authenticate(request({ "x-portkey-api-key": unknown }), "completions")).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    await expect(auth.authenticate(request({ "x-portkey-api-key": tampered }), "completions")).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    await expect(auth.authenticate(request({ "x-portkey-api-key": key }), "admin")).rejects.toBeInstanceOf(
      PermissionError,
    );
  });

  it("serves warm requests from memory and coalesces concurrent cold lookups into one read", async () => {
    // Prepare
    const key = await issueKey(["completions"]);
    const req = request({ "x-portkey-api-key": key });
    // Act
    await Promise.all(Array.from({ length: 10 }, () => auth.authenticate(req, "completions")));
    for (let i = 0; i < 100; i++) await auth.authenticate(req, "completions");
    // Assess
    expect(store.apiKeyReads).toBe(1);
  });

  it("identifies a request admitted on its headers once: its authenticate takes that answer, scope still checked", async () => {
    // Prepare
    const key = await issueKey(["completions"]);
    const req = request({ "x-portkey-api-key": key });
    let hashes = 0;
    const hash = hasher.hash.bind(hasher);
    hasher.hash = (value) => {
      hashes++;
      return hash(value);
    };
    // Act
    const admitted = await auth.admit(req.headers);
    const principal = await auth.authenticate(req, "completions");
    const hashesForOneRequest = hashes;
    const wrongScope = auth.authenticate(request({ "x-portkey-api-key": key }), "admin");
    await auth.admit(req.headers);
    const admittedWrongScope = auth.authenticate(req, "admin");
    // Assess: one HMAC for the admitted request; the admission is no pass for a scope the key lacks
    expect(principal).toBe(admitted);
    expect(hashesForOneRequest).toBe(1);
    await expect(wrongScope).rejects.toBeInstanceOf(PermissionError);
    await expect(admittedWrongScope).rejects.toBeInstanceOf(PermissionError);
  });

  it("lets an admission serve one authenticate only: the next request with the same headers is identified again", async () => {
    // Prepare
    const key = await issueKey(["completions"]);
    const req = request({ "x-portkey-api-key": key });
    await auth.admit(req.headers);
    const principal = await auth.authenticate(req, "completions");
    await store.deleteApiKey(principal.apiKeyId);
    // Act
    auth.forgetApiKey(principal.apiKeyId);
    // Assess
    await expect(auth.authenticate(req, "completions")).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("keeps honouring a revoked key until the 30 s TTL passes, then refuses it", async () => {
    // Prepare
    const key = await issueKey(["completions"]);
    const req = request({ "x-portkey-api-key": key });
    const principal = await auth.authenticate(req, "completions");
    const stored = await store.getApiKey(principal.apiKeyId);
    await store.replaceApiKey({ ...stored!, status: "revoked" }, stored!.version);
    // Act
    now = T0 + 29_000;
    const stillCached = await auth.authenticate(req, "completions");
    now = T0 + 30_001;
    const afterTtl = auth.authenticate(req, "completions");
    // Assess
    expect(stillCached.apiKeyId).toBe(principal.apiKeyId);
    await expect(afterTtl).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("stops a revoked key at once in the process that calls forgetApiKey", async () => {
    // Prepare
    const key = await issueKey(["completions"]);
    const req = request({ "x-portkey-api-key": key });
    const principal = await auth.authenticate(req, "completions");
    await store.deleteApiKey(principal.apiKeyId);
    // Act
    auth.forgetApiKey(principal.apiKeyId);
    // Assess
    await expect(auth.authenticate(req, "completions")).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("does not cache a principal read before forgetApiKey ran (a revocation during the read holds)", async () => {
    // Prepare: a cold lookup has read the key while active; this process revokes it before that read returns
    const key = await issueKey(["completions"]);
    const req = request({ "x-portkey-api-key": key });
    const [stored] = (await store.listApiKeys("ws-a", { limit: 1 })).items;
    const read = store.getApiKey.bind(store);
    let readDone!: () => void;
    let answerRead!: () => void;
    const done = new Promise<void>((resolve) => {
      readDone = resolve;
    });
    const answer = new Promise<void>((resolve) => {
      answerRead = resolve;
    });
    store.getApiKey = async (id) => {
      const record = await read(id);
      readDone();
      await answer;
      return record;
    };
    const inFlight = auth.authenticate(req, "completions");
    await done;
    store.getApiKey = read;
    await store.replaceApiKey({ ...stored!, status: "revoked" }, stored!.version);
    // Act
    auth.forgetApiKey(stored!.id);
    answerRead();
    const stale = await inFlight;
    // Assess: the read begun before the revocation answers its own caller; the next request is refused
    expect(stale.apiKeyId).toBe(stored!.id);
    await expect(auth.authenticate(req, "completions")).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("accepts a re-activated key at once in the process that calls forgetApiKey (no stale 'unknown' entry)", async () => {
    // Prepare: a key revoked, refused once (so remembered as invalid), then re-activated
    const key = await issueKey(["completions"]);
    const req = request({ "x-portkey-api-key": key });
    const principal = await auth.authenticate(req, "completions");
    const stored = await store.getApiKey(principal.apiKeyId);
    const revoked = await store.replaceApiKey({ ...stored!, status: "revoked" }, stored!.version);
    auth.forgetApiKey(principal.apiKeyId);
    await expect(auth.authenticate(req, "completions")).rejects.toBeInstanceOf(AuthenticationError);
    await store.replaceApiKey({ ...revoked, status: "active" }, revoked.version);
    // Act
    auth.forgetApiKey(principal.apiKeyId);
    const again = await auth.authenticate(req, "completions");
    // Assess: well within the 5 s negative TTL, the key works again
    expect(again.apiKeyId).toBe(principal.apiKeyId);
  });

  it("refuses an expired key even while its principal is cached", async () => {
    // Prepare
    const key = await issueKey(["completions"], { expiresAt: Math.floor(T0 / 1000) + 10 });
    const req = request({ "x-portkey-api-key": key });
    await auth.authenticate(req, "completions");
    // Act
    now = T0 + 10_000;
    // Assess
    await expect(auth.authenticate(req, "completions")).rejects.toMatchObject({ code: "expired_api_key" });
  });

  it("remembers unknown keys briefly so a flood of bad keys does not hammer the table", async () => {
    // Prepare
    const unknown = request({ "x-portkey-api-key": generateGatewayKey().key });
    // Act
    for (let i = 0; i < 5; i++) await auth.authenticate(unknown, "completions").catch(() => undefined);
    now = T0 + 6_000;
    await auth.authenticate(unknown, "completions").catch(() => undefined);
    // Assess
    expect(store.apiKeyReads).toBe(2);
  });

  it("recognises the root admin key (admin, analytics, logs; not completions)", async () => {
    // Prepare
    const req = request({ "x-portkey-api-key": ROOT });
    // Act
    const principal = await auth.authenticate(req, "admin");
    // Assess
    expect(principal.isRoot).toBe(true);
    await expect(auth.authenticate(req, "completions")).rejects.toBeInstanceOf(PermissionError);
    await expect(auth.authenticate(request({ "x-portkey-api-key": `${ROOT}x` }), "admin")).rejects.toBeInstanceOf(
      AuthenticationError,
    );
  });

  it("stores only an HMAC of the key, never the key", () => {
    // Prepare
    const { key } = generateGatewayKey();
    // Act
    const digest = hasher.hash(key);
    // Assess
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(new KeyHasher(randomBytes(32)).hash(key)).not.toBe(digest);
    expect(hasher.matches(key, digest)).toBe(true);
    expect(hasher.matches(`${key}x`, digest)).toBe(false);
  });
});

describe("loadOrCreateLocalAdminKey", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("creates a root key once (mode 0600) and returns the same key later without 'created'", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "gw-admin-key-"));
    dirs.push(dir);
    // Act
    const first = await loadOrCreateLocalAdminKey(dir, {});
    const second = await loadOrCreateLocalAdminKey(dir, {});
    // Assess
    expect(first.created).toBe(true);
    expect(first.key).toMatch(/^pk-root-[A-Za-z0-9_-]{43}$/);
    expect(second).toEqual({ key: first.key, created: false });
    expect((await stat(join(dir, "admin-key"))).mode & 0o777).toBe(0o600);
  });

  it("prefers GATEWAY_ADMIN_KEY and writes nothing", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "gw-admin-key-"));
    dirs.push(dir);
    // Act
    const result = await loadOrCreateLocalAdminKey(dir, { GATEWAY_ADMIN_KEY: "operator-chosen-key-123" });
    // Assess
    expect(result).toEqual({ key: "operator-chosen-key-123", created: false });
    await expect(stat(join(dir, "admin-key"))).rejects.toThrow();
  });
});
