import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BedrockFake, startBedrockFake } from "../fakes/bedrock-fake";
import { type FakeServer, startFakeServer } from "../fakes/fake-server";
import { type StsFake, startStsFake } from "../fakes/sts-fake";
import { type Arena, countRequestsOnPort, startArena } from "./arena";

/**
 * Bedrock's side calls, attacked: image URLs the gateway fetches (SSRF through `image_url`) and role assumption
 * (making the gateway's own AWS credentials assume a role, or sign for a host the attacker names). The attacker
 * holds a completions-scoped key and its own Bedrock-speaking host with its own credentials.
 */
const REGION = "eu-central-1";
const CREDS = { accessKeyId: "AKIAATTACKERFAKE", secretAccessKey: "attacker/secret" };
const GATEWAY_ROLE = { accessKeyId: "AKIAGATEWAYROLE1", secretAccessKey: "gateway/role/secret/never-used" };
const ROLE = "arn:aws:iam::123456789012:role/victim";

let arena: Arena;
let bedrock: BedrockFake;
let redirector: FakeServer;
let sts: StsFake;
const savedEnv = { ...process.env };

beforeAll(async () => {
  arena = await startArena();
  bedrock = await startBedrockFake({ ...CREDS, region: REGION });
  redirector = await startFakeServer(({ res }) => {
    res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/iam/security-credentials/" });
    res.end();
  });
  sts = await startStsFake({ region: REGION, caller: GATEWAY_ROLE, roleArn: ROLE });
});
afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([bedrock?.close(), redirector?.close(), sts?.close()]);
  await arena?.stop();
});

function withImage(url: string) {
  return {
    model: "anthropic.claude-3-haiku-20240307-v1:0",
    messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }],
  };
}

const bedrockHeaders = () => ({
  "x-portkey-provider": "bedrock",
  "x-portkey-custom-host": bedrock.origin,
  "x-portkey-aws-region": REGION,
  "x-portkey-aws-access-key-id": CREDS.accessKeyId,
  "x-portkey-aws-secret-access-key": CREDS.secretAccessKey,
});

describe("image URLs are fetched only where the SSRF guard allows", () => {
  it.each([
    ["cloud metadata", () => "http://169.254.169.254/latest/meta-data/iam/security-credentials/"],
    ["a private address", () => "http://10.0.0.1/cat.png"],
    ["the gateway's own port", () => `${arena.gateway.url}/v1/models`],
    ["the embedded DynamoDB", () => `${arena.gateway.dynamoEndpoint}/cat.png`],
  ])("%s: 400 image_url_forbidden, and nothing reaches Bedrock", async (_name, url) => {
    bedrock.reset();
    const own = countRequestsOnPort(Number(new URL(arena.gateway.dynamoEndpoint).port));
    try {
      const reply = await arena.call(bedrockHeaders(), withImage(url()));
      expect(reply.status).toBe(400);
      expect(reply.json.error?.code).toBe("image_url_forbidden");
      expect(reply.json.error?.param).toBe("messages[0].content[0].image_url.url");
      expect(own.requests.filter((r) => r.includes("cat.png"))).toEqual([]);
      expect(bedrock.requests).toEqual([]);
    } finally {
      own.stop();
    }
  });

  it("a redirect to cloud metadata is not followed: 400 image_url_unreachable", async () => {
    bedrock.reset();
    const reply = await arena.call(bedrockHeaders(), withImage(`${redirector.origin}/cat.png`));
    expect(reply.status).toBe(400);
    expect(reply.json.error?.code).toBe("image_url_unreachable");
    expect(bedrock.requests).toEqual([]);
  });
});

describe("role assumption never lends the gateway's own credentials to a host the attacker names", () => {
  it("aws_role_arn with a custom host and no credentials of the caller's: 400 before STS is called", async () => {
    redirector.reset();
    process.env.AWS_ACCESS_KEY_ID = GATEWAY_ROLE.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = GATEWAY_ROLE.secretAccessKey;
    process.env.AWS_ENDPOINT_URL_STS = sts.origin;
    try {
      const reply = await arena.call(
        {
          "x-portkey-provider": "bedrock",
          "x-portkey-custom-host": arena.attacker.origin,
          "x-portkey-aws-region": REGION,
          "x-portkey-aws-role-arn": ROLE,
        },
        withImage(`${redirector.origin}/cat.png`),
      );
      expect(reply.status).toBe(400);
      expect(reply.json.error?.code).toBe("custom_host_with_ambient_credentials");
      expect(JSON.stringify(reply.json)).not.toContain(GATEWAY_ROLE.secretAccessKey);
      expect(sts.requests).toEqual([]);
      expect(redirector.requests).toEqual([]);
      expect(arena.attacker.requests).toEqual([]);
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      delete process.env.AWS_ENDPOINT_URL_STS;
    }
  });
});
