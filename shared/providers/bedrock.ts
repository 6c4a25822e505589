import { randomUUID } from "node:crypto";
import { optionalEnv } from "../core/env";
import { AuthenticationError, BadRequestError } from "../core/errors";
import { baseUrl, parseUpstreamJson, requestedModel, wantsUsage } from "./adapter-kit";
import { AssumedRoles, stsEndpoint } from "./aws-assume-role";
import { bedrockClaudeCountTokens, bedrockClaudeMessages } from "./bedrock-claude-messages";
import { BEDROCK_PARAMS, imageUrls, isBedrockClaude, toConverseBody, toInvokeEmbeddingBody } from "./bedrock-request";
import { bedrockErrorBody, fromConverseResponse, fromInvokeEmbedding } from "./bedrock-response";
import { resolveAwsCredentials, signSigV4 } from "./bedrock-sign";
import { BedrockStreamTranslator } from "./bedrock-stream";
import { type ChatRequest, readChatRequest } from "./chat-request";
import { defineProvider } from "./define-provider";
import { embeddingsResponse } from "./embeddings";
import { fetchImages } from "./image-fetch";
import { JsonToolStream, jsonToolDropped, unwrapJsonAnswer, wantsJsonTool } from "./json-tool";
import { strictCompliance } from "./openai-chunks";
import { applyParamPolicy } from "./param-policy";
import { checkProviderOption, optionHeader } from "./provider-options";
import type { ProviderAdapter, SideCalls, TransformContext, TranslatedResponse, UpstreamRequest } from "./types";

const PLACEHOLDER_IMAGE = { mediaType: "image/png", base64: "" };

export interface BedrockAdapterOptions {
  /** Where the Lambda role's credentials and AWS_REGION are read from (at sign time). */
  readonly env?: NodeJS.ProcessEnv;
  /** Assumed-role credentials (`awsRoleArn`), cached per process. */
  readonly roles?: AssumedRoles;
}

/**
 * Amazon Bedrock: Converse / ConverseStream for chat (binary event stream), InvokeModel for Titan and Cohere
 * embeddings and for Anthropic's Messages API on Claude (InvokeModelWithResponseStream, CountTokens). Requests
 * are signed with SigV4 in `sign`; a Bedrock API key (sent as the Bearer key) is used instead when no AWS
 * credentials are configured on the target.
 */
export function createBedrockAdapter(adapterOptions: BedrockAdapterOptions = {}): ProviderAdapter {
  const env = adapterOptions.env ?? process.env;
  const roles = adapterOptions.roles ?? new AssumedRoles();

  function regionOf(ctx: TransformContext): string {
    const region = ctx.target.options?.awsRegion ?? optionalEnv("AWS_REGION", env);
    if (!region) {
      throw new BadRequestError(`Provider bedrock needs a region (header ${optionHeader("awsRegion")}).`, {
        param: "awsRegion",
        code: "missing_provider_option",
      });
    }
    // the region is part of the host name: one that is not a region could send the signed request anywhere
    return checkProviderOption("awsRegion", region);
  }

  function urlFor(ctx: TransformContext, model: string, action: string): string {
    const base = baseUrl(ctx, `https://bedrock-runtime.${regionOf(ctx)}.amazonaws.com`);
    return `${base}/model/${encodeURIComponent(model)}/${action}`;
  }

  function embeddingsRequest(ctx: TransformContext): UpstreamRequest {
    const model = requestedModel(ctx.body);
    const body = JSON.stringify(toInvokeEmbeddingBody(model, ctx.body));
    return {
      url: urlFor(ctx, model, "invoke"),
      method: "POST",
      headers: { ...ctx.target.forwardHeaders, "content-type": "application/json", accept: "application/json" },
      body,
    };
  }

  function chatRequest(ctx: TransformContext): UpstreamRequest {
    const headers: Record<string, string> = { ...ctx.target.forwardHeaders, "content-type": "application/json" };
    const dropped = [...applyParamPolicy(ctx.body, BEDROCK_PARAMS, "bedrock"), ...jsonToolDropped(ctx.body)];
    const chat = readChatRequest(ctx.body);
    // only Claude models think on Converse: elsewhere the reasoning parameters are dropped (and reported)
    if (!isBedrockClaude(chat.model)) {
      for (const name of ["reasoning_effort", "thinking"]) if (ctx.body[name] != null) dropped.push(name);
    }
    const action = chat.stream ? "converse-stream" : "converse";
    if (chat.stream) headers.accept = "application/vnd.amazon.eventstream";
    const urls = imageUrls(chat);
    let body: string;
    if (urls.length === 0) body = JSON.stringify(toConverseBody(chat));
    else {
      // Converse takes image bytes: the URLs are fetched in `sign` (side calls), after the rest is checked here.
      toConverseBody(chat, new Map(urls.map((u) => [u.url, PLACEHOLDER_IMAGE])));
      urlImages.set(ctx, { chat, urls });
      body = "";
    }
    return { url: urlFor(ctx, chat.model, action), method: "POST", headers, body, droppedParams: dropped };
  }

  /** Chat requests with images by URL, from `toRequest` to `sign` (the context is the attempt's). */
  const urlImages = new WeakMap<TransformContext, { chat: ChatRequest; urls: ReturnType<typeof imageUrls> }>();

  async function withUrlImages(req: UpstreamRequest, ctx: TransformContext, io?: SideCalls): Promise<UpstreamRequest> {
    const pending = urlImages.get(ctx);
    if (!pending) return req;
    urlImages.delete(ctx);
    if (!io) throw new Error("bedrock: images by URL need the side-call transport.");
    const images = await fetchImages(pending.urls, io);
    return { ...req, body: JSON.stringify(toConverseBody(pending.chat, images)) };
  }

  async function sign(req: UpstreamRequest, ctx: TransformContext, io?: SideCalls): Promise<UpstreamRequest> {
    const options = ctx.target.options ?? {};
    const explicit = options.awsAccessKeyId || options.awsSecretAccessKey;
    if (!explicit && !options.awsRoleArn && ctx.target.apiKey) {
      const withImages = await withUrlImages(req, ctx, io);
      return { ...withImages, headers: { ...withImages.headers, authorization: `Bearer ${ctx.target.apiKey}` } };
    }
    const credentials = resolveAwsCredentials(options, env);
    if (!explicit && credentials && ctx.target.customHost && !ctx.target.virtualKey) {
      // The deployment's own role credentials sign only requests to hosts the operator chose (AWS or a virtual
      // key's host), never to a host named by the request.
      throw new BadRequestError(
        `Provider bedrock with a custom host needs its own credentials (${optionHeader("awsAccessKeyId")} and ${optionHeader("awsSecretAccessKey")}, or a Bedrock API key): the gateway's role never signs for a host the request names.`,
        { param: "custom_host", code: "custom_host_with_ambient_credentials" },
      );
    }
    if (!credentials) {
      throw new AuthenticationError(
        `No credentials for provider bedrock: send ${optionHeader("awsAccessKeyId")} and ${optionHeader("awsSecretAccessKey")}, a Bedrock API key as the Bearer key, or run with an AWS role.`,
        { code: "missing_provider_key" },
      );
    }
    const region = regionOf(ctx);
    let signing = credentials;
    if (options.awsRoleArn) {
      if (!io) throw new Error("bedrock: role assumption needs the side-call transport.");
      const target = { roleArn: options.awsRoleArn, externalId: options.awsExternalId, region };
      signing = await roles.credentials(credentials, target, stsEndpoint(region, env), io);
    }
    // the body is final (images fetched) before it is signed: SigV4 covers its hash
    return signSigV4(await withUrlImages(req, ctx, io), signing, region);
  }

  function embeddingsAnswer(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
    const { vectors, tokens } = fromInvokeEmbedding(parseUpstreamJson(raw, "bedrock"));
    const { body, usage } = embeddingsResponse(vectors, requestedModel(ctx.body), tokens, ctx.body.encoding_format);
    return { body, contentType: "application/json", usage };
  }

  function chatAnswer(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
    const model = requestedModel(ctx.body);
    const { body, usage } = fromConverseResponse(
      parseUpstreamJson(raw, "bedrock"),
      model,
      strictCompliance(ctx.target.options),
    );
    const text = JSON.stringify(body);
    return {
      body: wantsJsonTool(ctx.body) ? unwrapJsonAnswer(text) : text,
      contentType: "application/json",
      usage,
      model,
    };
  }

  return defineProvider({
    id: "bedrock",
    endpoints: {
      chat: {
        toRequest: chatRequest,
        fromResponse: chatAnswer,
        stream: (ctx) => {
          const translator = new BedrockStreamTranslator(
            requestedModel(ctx.body),
            `chatcmpl-bedrock-${randomUUID()}`,
            wantsUsage(ctx.body),
            strictCompliance(ctx.target.options),
          );
          return wantsJsonTool(ctx.body) ? new JsonToolStream(translator) : translator;
        },
      },
      embeddings: { toRequest: embeddingsRequest, fromResponse: embeddingsAnswer },
      // Claude natively (InvokeModel, CountTokens); every other model through the chat layer (ADR 0030)
      messages: bedrockClaudeMessages(urlFor),
      messages_count_tokens: bedrockClaudeCountTokens(urlFor),
    },
    sign,
    mapError: (status, body) => bedrockErrorBody(status, body),
  });
}

export const bedrockAdapter = createBedrockAdapter();
