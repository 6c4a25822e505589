import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sideCalls } from "../../shared/gateway/attempt";
import { createHostGuard } from "../../shared/http/host-guard";
import { createUndiciTransport, type UpstreamTransport } from "../../shared/http/upstream";
import { AssumedRoles } from "../../shared/providers/aws-assume-role";
import type { SideCalls } from "../../shared/providers/types";
import { type BedrockFake, startBedrockFake } from "../fakes/bedrock-fake";
import type { FakeServer } from "../fakes/fake-server";
import { type StsFake, startStsFake } from "../fakes/sts-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Bedrock role assumption end to end: the gateway signs STS AssumeRole (SigV4, service sts) with the caller's
 * credentials, the fake STS checks the signature and the RoleArn / ExternalId / RoleSessionName parameters and
 * issues temporary credentials, and the Bedrock fake accepts only requests signed with those (access key id and
 * session token). The STS endpoint is the fake through AWS_ENDPOINT_URL_STS, the AWS SDKs' own setting.
 */
const REGION = "eu-west-1";
const CALLER = { accessKeyId: "AKIACALLERFAKE01", secretAccessKey: "caller/secret/never-shown" };
const ROLE = "arn:aws:iam::123456789012:role/bedrock-invoker";
const EXTERNAL_ID = "tenant-7f3a";
const ASSUMED = {
  accessKeyId: "ASIAASSUMEDFAKE1",
  secretAccessKey: "assumed/secret/never-shown",
  sessionToken: "FwoGZXIvYXdzEassumed-session-token",
};

let gateway: TestGateway;
const servers: FakeServer[] = [];
const savedEndpoint = process.env.AWS_ENDPOINT_URL_STS;

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway.stop();
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
  else process.env.AWS_ENDPOINT_URL_STS = savedEndpoint;
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((f) => f.close()));
});

async function fakes(externalId: string | undefined = EXTERNAL_ID): Promise<{ sts: StsFake; bedrock: BedrockFake }> {
  const sts = await startStsFake({ region: REGION, caller: CALLER, roleArn: ROLE, externalId, issue: ASSUMED });
  const bedrock = await startBedrockFake({ ...ASSUMED, region: REGION });
  servers.push(sts, bedrock);
  process.env.AWS_ENDPOINT_URL_STS = sts.origin;
  return { sts, bedrock };
}

function client(bedrock: BedrockFake, extra: Record<string, string> = {}): OpenAI {
  return new OpenAI({
    apiKey: "unused",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": "bedrock",
      "x-portkey-custom-host": bedrock.origin,
      "x-portkey-aws-region": REGION,
      "x-portkey-aws-access-key-id": CALLER.accessKeyId,
      "x-portkey-aws-secret-access-key": CALLER.secretAccessKey,
      "x-portkey-aws-role-arn": ROLE,
      "x-portkey-aws-external-id": EXTERNAL_ID,
      ...extra,
    },
  });
}

const hello = {
  model: "anthropic.claude-3-haiku-20240307-v1:0",
  messages: [{ role: "user" as const, content: "hello" }],
};

describe("bedrock role assumption (aws_role_arn)", () => {
  it("assumes the role once, signed by the caller, and signs Bedrock with the role's credentials", async () => {
    const { sts, bedrock } = await fakes();
    const c = client(bedrock);
    for (let i = 0; i < 3; i++) {
      const res = await c.chat.completions.create(hello);
      expect(res.choices[0]?.message.content).toContain("hello");
    }
    expect(sts.issued).toBe(1);
    const call = sts.requests[0];
    expect(call?.method).toBe("POST");
    expect(String(call?.headers.authorization)).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${CALLER.accessKeyId}/\\d{8}/${REGION}/sts/aws4_request, `),
    );
    expect(String(call?.headers["x-amz-date"])).toMatch(/^\d{8}T\d{6}Z$/);
    const form = new URLSearchParams(call?.body.toString());
    expect(form.get("Action")).toBe("AssumeRole");
    expect(form.get("Version")).toBe("2011-06-15");
    expect(form.get("RoleArn")).toBe(ROLE);
    expect(form.get("ExternalId")).toBe(EXTERNAL_ID);
    expect(form.get("RoleSessionName")).toMatch(/^[\w+=,.@-]{2,64}$/);
    const converse = bedrock.requests.filter((r) => r.path.endsWith("/converse"));
    expect(converse).toHaveLength(3);
    expect(String(converse[0]?.headers.authorization)).toContain(`Credential=${ASSUMED.accessKeyId}/`);
    expect(converse[0]?.headers["x-amz-security-token"]).toBe(ASSUMED.sessionToken);
  });

  it("runs one AssumeRole for concurrent requests", async () => {
    const { sts, bedrock } = await fakes();
    sts.delayMs = 150;
    const c = client(bedrock);
    const answers = await Promise.all(Array.from({ length: 6 }, () => c.chat.completions.create(hello)));
    expect(answers).toHaveLength(6);
    expect(sts.issued).toBe(1);
    expect(sts.requests).toHaveLength(1);
  });

  it("a refused AssumeRole is a 403 provider_role_refused naming the role, with no secret and nothing sent on", async () => {
    const { sts, bedrock } = await fakes();
    const err = await client(bedrock, { "x-portkey-aws-external-id": "wrong-external-id" })
      .chat.completions.create(hello)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const body = (err as InstanceType<typeof OpenAI.APIError>).error as { code?: string; message?: string };
    expect(body.code).toBe("provider_role_refused");
    expect(body.message).toContain(ROLE);
    expect(body.message).toContain("AccessDenied");
    const text = JSON.stringify(body);
    for (const secret of [CALLER.secretAccessKey, CALLER.accessKeyId, "wrong-external-id", "111122223333"]) {
      expect(text).not.toContain(secret);
    }
    expect(sts.requests).toHaveLength(1);
    expect(bedrock.requests).toEqual([]);
  });

  it("a role ARN that is not one is a 400 invalid_provider_option before any call", async () => {
    const { sts, bedrock } = await fakes();
    const err = await client(bedrock, { "x-portkey-aws-role-arn": "arn:aws:iam::123:user/x" })
      .chat.completions.create(hello)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe("invalid_provider_option");
    expect(sts.requests).toEqual([]);
    expect(bedrock.requests).toEqual([]);
  });

  it("a config target carries aws_role_arn and aws_external_id", async () => {
    const { sts, bedrock } = await fakes();
    const c = new OpenAI({
      apiKey: "unused",
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-config": JSON.stringify({
          provider: "bedrock",
          custom_host: bedrock.origin,
          aws_region: REGION,
          aws_access_key_id: CALLER.accessKeyId,
          aws_secret_access_key: CALLER.secretAccessKey,
          aws_role_arn: ROLE,
          aws_external_id: EXTERNAL_ID,
        }),
      },
    });
    const res = await c.chat.completions.create(hello);
    expect(res.choices[0]?.message.content).toContain("hello");
    expect(sts.issued).toBe(1);
  });

  it("a virtual key carries the role and external id (shown), the caller's keys stay secret", async () => {
    const { sts, bedrock } = await fakes();
    const created = await gateway.admin("POST", "/v1/virtual-keys", {
      name: "bedrock role",
      provider: "bedrock",
      aws_region: REGION,
      aws_access_key_id: CALLER.accessKeyId,
      aws_secret_access_key: CALLER.secretAccessKey,
      aws_role_arn: ROLE,
      aws_external_id: EXTERNAL_ID,
      custom_host: bedrock.origin,
      workspace_id: gateway.workspaceId,
    });
    expect(created.status).toBe(200);
    const slug = String(created.json.slug);
    const shown = await gateway.admin("GET", `/v1/virtual-keys/${slug}`);
    expect(shown.json.model_config).toMatchObject({ awsRoleArn: ROLE, awsExternalId: EXTERNAL_ID });
    expect(JSON.stringify([created.json, shown.json])).not.toContain(CALLER.secretAccessKey);
    const c = new OpenAI({
      apiKey: "unused",
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-portkey-api-key": gateway.apiKey },
    });
    const res = await c.chat.completions.create({ ...hello, model: `@${slug}/${hello.model}` });
    expect(res.choices[0]?.message.content).toContain("hello");
    expect(sts.issued).toBe(1);
    expect(bedrock.requests.at(-1)?.headers["x-amz-security-token"]).toBe(ASSUMED.sessionToken);
  });
});

describe("AssumedRoles (real transport, loopback STS)", () => {
  let transport: UpstreamTransport;
  beforeAll(() => {
    transport = createUndiciTransport({ guard: createHostGuard("loopback") });
  });
  afterAll(async () => {
    await transport.close();
  });
  /** The side calls an attempt hands its provider (the gateway's own, byte cap included). */
  const io = (t: UpstreamTransport): SideCalls => sideCalls(t, AbortSignal.timeout(5000));

  it("keeps the credentials until shortly before they expire, then assumes the role again", async () => {
    const sts = await startStsFake({ region: REGION, caller: CALLER, roleArn: ROLE });
    servers.push(sts);
    let now = Date.now();
    sts.now = () => now;
    const roles = new AssumedRoles({ now: () => now });
    const target = { roleArn: ROLE, region: REGION };
    const first = await roles.credentials(CALLER, target, sts.origin, io(transport));
    expect(first.accessKeyId).toBe(sts.lastIssued?.accessKeyId);
    now += 3600_000 - 5 * 60_000 - 1000; // just before the 5-minute refresh margin: the same credentials
    expect(await roles.credentials(CALLER, target, sts.origin, io(transport))).toBe(first);
    expect(sts.issued).toBe(1);
    now += 2000; // within 5 minutes of expiry: renewed
    const second = await roles.credentials(CALLER, target, sts.origin, io(transport));
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(sts.issued).toBe(2);
    // another caller secret (same access key id) never gets the cached credentials
    await roles
      .credentials({ ...CALLER, secretAccessKey: "guessed" }, target, sts.origin, io(transport))
      .catch(() => undefined);
    expect(sts.issued).toBe(2);
    expect(sts.requests).toHaveLength(3);
  });

  it("the STS endpoint passes the SSRF guard: a loopback one is refused where loopback is not allowed", async () => {
    const sts = await startStsFake({ region: REGION, caller: CALLER, roleArn: ROLE });
    servers.push(sts);
    const strict = createUndiciTransport({ guard: createHostGuard(undefined) });
    try {
      const roles = new AssumedRoles();
      await expect(
        roles.credentials(CALLER, { roleArn: ROLE, region: REGION }, sts.origin, io(strict)),
      ).rejects.toMatchObject({ statusCode: 400, code: "custom_host_forbidden" });
      expect(sts.requests).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});
