import { generateKeyPairSync, verify } from "node:crypto";
import type { ServerResponse } from "node:http";
import { request } from "undici";
import { type AnthropicFake, startAnthropicFake } from "./anthropic-fake";
import { type FakeContext, type FakeServer, startFakeServer } from "./fake-server";
import { type GoogleFake, googleErrorBody, startGoogleFake } from "./google-fake";

/**
 * A fake of Vertex AI and of Google's OAuth token endpoint, speaking their documented wire formats:
 * - `POST /token` (form `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>`): the JWT's RS256
 *   signature is verified with the service account's public key, and its `iss`, `aud` (this endpoint), `scope`,
 *   `iat`/`exp`; answers `{access_token, expires_in, token_type: "Bearer"}` or `{error, error_description}`.
 * - `/v1/projects/{p}/locations/{r}/publishers/google/models/{m}:generateContent|streamGenerateContent?alt=sse|
 *   predict` and `/publishers/anthropic/models/{m}:rawPredict|streamRawPredict` with `Authorization: Bearer`.
 *   Gemini and Claude bodies are answered by the Gemini and Anthropic fakes (the same wire format on Vertex, except
 *   that Claude takes `anthropic_version: vertex-2023-10-16` in the body and the model in the path).
 * Errors are Google's `{"error":{"code","message","status"}}`; a wrong token is a 401 UNAUTHENTICATED.
 */
export interface VertexFake extends FakeServer {
  /** The service-account key file the token endpoint trusts (its `token_uri` is this fake). */
  readonly keyFile: Record<string, string>;
  /** A static access token the fake also accepts (as a caller's own OAuth token). */
  readonly staticToken: string;
  /** Token exchanges answered so far. */
  readonly exchanges: number;
  /** Tokens issued expire after this many seconds (default 3599, as Google's). */
  expiresIn: number;
  /** Delay before the token endpoint answers, to hold an exchange in flight. */
  tokenDelayMs: number;
  /** The token endpoint's clock (checks the JWT's `iat`/`exp`); tests that move the gateway's clock move it too. */
  now: () => number;
}

const API_KEY = "inner-fake-key";
const PATH =
  /^\/v1\/projects\/([a-z0-9.:-]+)\/locations\/([a-z0-9-]+)\/publishers\/(google|anthropic)\/models\/([^/:]+):(\w+)$/;

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(googleErrorBody(status, message));
}

function oauthFail(res: ServerResponse, error: string, description: string): void {
  res.writeHead(400, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ error, error_description: description }));
}

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export async function startVertexFake(options: { project: string; chunkDelayMs?: number }): Promise<VertexFake> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const google: GoogleFake = await startGoogleFake({ apiKey: API_KEY, chunkDelayMs: options.chunkDelayMs });
  const anthropic: AnthropicFake = await startAnthropicFake({ apiKey: API_KEY, chunkDelayMs: options.chunkDelayMs });
  const staticToken = "ya29.static-fake-access-token";
  const issued = new Set<string>([staticToken]);
  let exchanges = 0;
  let tokenUri = "";
  const clientEmail = `gateway@${options.project}.iam.gserviceaccount.com`;

  async function token({ res, recorded }: FakeContext): Promise<void> {
    const form = new URLSearchParams(recorded.body.toString("utf8"));
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return oauthFail(res, "unsupported_grant_type", "Invalid grant_type.");
    }
    const [head, claims, signature] = (form.get("assertion") ?? "").split(".");
    const header = decodePart(head);
    const payload = decodePart(claims);
    if (header?.alg !== "RS256" || !payload || !signature) return oauthFail(res, "invalid_request", "Invalid JWT.");
    const signed = verify(
      "RSA-SHA256",
      Buffer.from(`${head}.${claims}`),
      publicKey,
      Buffer.from(signature, "base64url"),
    );
    if (!signed) return oauthFail(res, "invalid_grant", "Invalid JWT Signature.");
    const now = Math.floor(state.now() / 1000);
    const iat = Number(payload.iat);
    const exp = Number(payload.exp);
    if (payload.iss !== clientEmail) return oauthFail(res, "invalid_grant", "Invalid issuer.");
    if (payload.aud !== tokenUri) return oauthFail(res, "invalid_grant", "Invalid JWT audience.");
    if (payload.scope !== "https://www.googleapis.com/auth/cloud-platform")
      return oauthFail(res, "invalid_scope", "Invalid OAuth scope.");
    if (!(iat <= now + 60 && exp > now && exp - iat <= 3600))
      return oauthFail(res, "invalid_grant", "Invalid JWT: Token must be a short-lived token.");
    if (state.tokenDelayMs) await new Promise((r) => setTimeout(r, state.tokenDelayMs));
    exchanges += 1;
    const accessToken = `ya29.fake-${exchanges}-${Math.random().toString(36).slice(2)}`;
    issued.add(accessToken);
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ access_token: accessToken, expires_in: state.expiresIn, token_type: "Bearer" }));
  }

  /** Hands the body to the inner Gemini or Anthropic fake and pipes its answer back unchanged. */
  async function relay(res: ServerResponse, url: string, headers: Record<string, string>, body: string) {
    const inner = await request(url, { method: "POST", headers, body });
    res.writeHead(inner.statusCode, { "content-type": String(inner.headers["content-type"] ?? "application/json") });
    for await (const chunk of inner.body) res.write(chunk);
    res.end();
  }

  async function handle(ctx: FakeContext): Promise<void> {
    const { req, res, recorded } = ctx;
    const url = new URL(recorded.path, "http://fake");
    if (req.method === "POST" && url.pathname === "/token") return token(ctx);
    const match = PATH.exec(url.pathname);
    if (req.method !== "POST" || !match) return fail(res, 404, `The requested URL ${url.pathname} was not found.`);
    const auth = req.headers.authorization ?? "";
    if (!auth.startsWith("Bearer ") || !issued.has(auth.slice("Bearer ".length))) {
      return fail(res, 401, "Request had invalid authentication credentials. Expected OAuth 2 access token.");
    }
    const [, project, , publisher, model, method] = match;
    if (project !== options.project) return fail(res, 403, `Permission denied on resource project ${project}.`);
    const body = recorded.json();
    if (publisher === "anthropic") {
      if (method !== "rawPredict" && method !== "streamRawPredict") return fail(res, 400, "Unsupported method.");
      if (body.anthropic_version !== "vertex-2023-10-16") return fail(res, 400, "anthropic_version: invalid");
      if ("model" in body) return fail(res, 400, "model: Extra inputs are not permitted");
      if ((method === "streamRawPredict") !== (body.stream === true)) return fail(res, 400, "stream mismatch");
      const { anthropic_version: _v, ...rest } = body;
      const headers = { "content-type": "application/json", "x-api-key": API_KEY, "anthropic-version": "2023-06-01" };
      return relay(res, `${anthropic.baseUrl}/messages`, headers, JSON.stringify({ ...rest, model }));
    }
    if (method === "predict") {
      const instances = Array.isArray(body.instances) ? (body.instances as { content?: unknown }[]) : [];
      if (instances.length === 0 || instances.some((i) => typeof i.content !== "string"))
        return fail(res, 400, "instances: each needs a content string");
      const dims = (body.parameters as { outputDimensionality?: unknown } | undefined)?.outputDimensionality;
      const size = typeof dims === "number" ? dims : 8;
      const predictions = instances.map(({ content }) => {
        const text = String(content);
        return {
          embeddings: {
            values: Array.from({ length: size }, (_, i) => ((text.length + i) % 7) / 7),
            statistics: { token_count: text.split(/\s+/).filter(Boolean).length, truncated: false },
          },
        };
      });
      res.writeHead(200, { "content-type": "application/json; charset=UTF-8" });
      res.end(JSON.stringify({ predictions, metadata: { billableCharacterCount: 1 } }));
      return;
    }
    if (method !== "generateContent" && method !== "streamGenerateContent") return fail(res, 400, "Unknown method.");
    const headers = { "content-type": "application/json", "x-goog-api-key": API_KEY };
    return relay(res, `${google.baseUrl}/models/${model}:${method}${url.search}`, headers, recorded.body.toString());
  }

  const server = await startFakeServer(handle);
  tokenUri = `${server.origin}/token`;
  const keyFile = {
    type: "service_account",
    project_id: options.project,
    private_key_id: "0123456789abcdef0123456789abcdef01234567",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: clientEmail,
    client_id: "100000000000000000001",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: tokenUri,
  };
  const closeServer = server.close;
  const state: VertexFake = Object.defineProperties(server as FakeServer & Partial<VertexFake>, {
    keyFile: { value: keyFile },
    staticToken: { value: staticToken },
    exchanges: { get: () => exchanges },
    expiresIn: { value: 3599, writable: true },
    tokenDelayMs: { value: 0, writable: true },
    now: { value: Date.now, writable: true },
    close: { value: () => Promise.all([closeServer(), google.close(), anthropic.close()]).then(() => undefined) },
  }) as VertexFake;
  return state;
}
