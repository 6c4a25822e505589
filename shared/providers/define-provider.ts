import { ENDPOINT_ROWS, ENDPOINTS, type Endpoint } from "../core/endpoints";
import { BadRequestError, type ErrorBody } from "../core/errors";
import type { ChatProtocol } from "./protocols/chat-protocol";
import { LOCAL_ANSWERS, type LocalAnswer } from "./protocols/local-answers";
import { VIA_CHAT } from "./protocols/via-chat";
import type {
  ProviderAdapter,
  SideCalls,
  StreamTranslator,
  TransformContext,
  TranslatedResponse,
  UpstreamRequest,
} from "./types";

/** How a provider serves one endpoint: pure transforms for that endpoint alone (no branching on `ctx.endpoint`). */
export interface EndpointTransforms {
  toRequest(ctx: TransformContext): UpstreamRequest;
  fromResponse(status: number, body: Buffer, ctx: TransformContext): TranslatedResponse;
  /**
   * The provider's stream as OpenAI SSE, incrementally. Only for an endpoint whose row streams
   * (shared/core/endpoints.ts); without it, `stream: true` is not asked of this provider and the answer is read whole.
   */
  stream?(ctx: TransformContext): StreamTranslator;
  /** A 2xx JSON answer that is a ticket followed up until final (see `ProviderAdapter.followUp`). */
  followUp?(body: Buffer, req: UpstreamRequest, ctx: TransformContext, io: SideCalls): Promise<Buffer>;
  /**
   * Which requests these transforms serve, when not all (e.g. one model family): the others are served as if the
   * provider did not declare the endpoint (the chat layer, or the gateway's local answer). Decided per request;
   * only on an endpoint that has such a fallback (else `defineProvider` throws at load).
   */
  serves?(ctx: TransformContext): boolean;
  /** This endpoint's native error body -> OpenAI error body, when it differs from the provider's `mapError`. */
  mapError?(status: number, body: Buffer, ctx: TransformContext): ErrorBody;
}

/** A provider: its endpoints (the table's names), and what is the same for all of them. */
export interface ProviderDefinition {
  readonly id: string;
  /** Default base URL when the target has no custom host; omit when one must be configured. */
  readonly defaultBaseUrl?: string;
  readonly endpoints: { readonly [E in Endpoint]?: EndpointTransforms };
  /** Optional async step after `toRequest` (signing, a token); network only through `io` (see `ProviderAdapter`). */
  sign?(req: UpstreamRequest, ctx: TransformContext, io?: SideCalls): Promise<UpstreamRequest>;
  /** Native error body -> OpenAI error body (the caller keeps the status). */
  mapError(status: number, body: Buffer, ctx: TransformContext): ErrorBody;
}

interface ServedEndpoint {
  readonly transforms: EndpointTransforms;
  /** `stream: true` streams: the row has a streamed form and the provider translates it. Decided here, once. */
  readonly streams: boolean;
  /** Served through the chat translation layer (the provider does not declare this endpoint itself). */
  readonly viaChat?: ChatProtocol;
  /** Served natively for the requests it accepts only (`EndpointTransforms.serves`), else as `viaChat` says. */
  readonly native?: EndpointTransforms;
}

/** The chat context of a request to an endpoint served through the chat layer: translated once per attempt. */
const chatContexts = new WeakMap<TransformContext, TransformContext>();

function chatContext(ctx: TransformContext, protocol: ChatProtocol): TransformContext {
  let chat = chatContexts.get(ctx);
  if (!chat) {
    chat = { ...ctx, endpoint: "chat", body: protocol.toChat(ctx.body), bodyChanged: true };
    chatContexts.set(ctx, chat);
  }
  return chat;
}

/** An endpoint of `VIA_CHAT` served by a provider's chat transforms, translated both ways by `protocol`. */
function viaChat(protocol: ChatProtocol, chat: ServedEndpoint, streamed: boolean): ServedEndpoint {
  const { toRequest, fromResponse } = chat.transforms;
  const stream = streamed ? chat.transforms.stream : undefined;
  const transforms: EndpointTransforms = {
    toRequest: (ctx) => toRequest(chatContext(ctx, protocol)),
    fromResponse: (status, body, ctx) => protocol.fromChat(fromResponse(status, body, chatContext(ctx, protocol)), ctx),
    ...(stream ? { stream: (ctx) => protocol.streamFromChat(stream(chatContext(ctx, protocol)), ctx) } : {}),
  };
  return Object.freeze({ transforms, streams: streamed && chat.streams, viaChat: protocol });
}

/** An endpoint served natively for some requests (`own.serves`) and through the chat layer for the others. */
function partlyNative(own: EndpointTransforms, chat: ServedEndpoint): ServedEndpoint {
  const fallback = chat.transforms;
  const pick = (ctx: TransformContext): EndpointTransforms => (own.serves?.(ctx) ? own : fallback);
  const transforms: EndpointTransforms = {
    toRequest: (ctx) => pick(ctx).toRequest(ctx),
    fromResponse: (status, body, ctx) => pick(ctx).fromResponse(status, body, ctx),
    stream: (ctx) => (pick(ctx).stream as NonNullable<EndpointTransforms["stream"]>)(ctx),
  };
  return Object.freeze({ transforms, streams: chat.streams, viaChat: chat.viaChat, native: own });
}

/**
 * The adapter the gateway calls, built once per provider (at module load): each call is one keyed read of the
 * endpoint's transforms. A definition that names an endpoint the table lacks, or streams one that has no streamed
 * form, is a programming error and throws here, not per request.
 */
export function defineProvider(
  definition: ProviderDefinition,
  protocols: Readonly<Partial<Record<Endpoint, ChatProtocol>>> = VIA_CHAT,
  localAnswers: Readonly<Partial<Record<Endpoint, LocalAnswer>>> = LOCAL_ANSWERS,
): ProviderAdapter {
  const { id } = definition;
  // Every endpoint a key (undefined when not served): one object of a fixed shape, read by key per call
  const served = Object.fromEntries(ENDPOINT_ROWS.map((r) => [r.endpoint, undefined])) as Record<
    Endpoint,
    ServedEndpoint | undefined
  >;
  for (const [name, transforms] of Object.entries(definition.endpoints)) {
    if (!Object.hasOwn(ENDPOINTS, name)) {
      throw new Error(`Provider ${id}: "${name}" is not a data-plane endpoint (shared/core/endpoints.ts).`);
    }
    const row = ENDPOINTS[name as Endpoint];
    if (!transforms) continue;
    if (transforms.stream && row.stream === false) {
      throw new Error(`Provider ${id}: ${row.path} has no streamed form, so it takes no stream transform.`);
    }
    served[row.endpoint] = Object.freeze({ transforms, streams: row.stream !== false && !!transforms.stream });
  }
  // Every chat provider serves the chat-layer endpoints it does not declare itself (protocols/via-chat.ts)
  // (and the requests a partly native endpoint leaves to them: `EndpointTransforms.serves`)
  const chat = served.chat;
  const partly = (e: Endpoint): EndpointTransforms | undefined => {
    const own = served[e]?.transforms;
    return own?.serves ? own : undefined;
  };
  if (chat) {
    for (const [name, protocol] of Object.entries(protocols)) {
      const endpoint = name as Endpoint;
      if (!protocol || (served[endpoint] && !partly(endpoint))) continue;
      const layer = viaChat(protocol, chat, ENDPOINTS[endpoint].stream !== false);
      const own = partly(endpoint);
      if (own && (own.stream !== undefined) !== layer.streams) {
        throw new Error(`Provider ${id}: ${ENDPOINTS[endpoint].path} streams natively only if its chat layer does.`);
      }
      served[endpoint] = own ? partlyNative(own, layer) : layer;
    }
  }
  // ... and the endpoints the gateway answers itself for them (protocols/local-answers.ts)
  const locals = new Map<Endpoint, LocalAnswer>();
  if (chat) {
    for (const [name, answer] of Object.entries(localAnswers)) {
      if (answer && (!served[name as Endpoint] || partly(name as Endpoint))) locals.set(name as Endpoint, answer);
    }
  }
  for (const row of ENDPOINT_ROWS) {
    if (partly(row.endpoint) && !served[row.endpoint]?.native && !locals.has(row.endpoint)) {
      throw new Error(`Provider ${id}: ${row.path} serves only some requests, and nothing serves the others.`);
    }
  }
  const endpoints: ReadonlySet<Endpoint> = new Set(
    ENDPOINT_ROWS.filter((r) => served[r.endpoint] || locals.has(r.endpoint)).map((r) => r.endpoint),
  );
  if (endpoints.size === 0) throw new Error(`Provider ${id} serves no endpoint.`);
  // (an endpoint served natively for some requests only counts here: the others go through the chat layer)
  const viaChatEndpoints: ReadonlySet<Endpoint> = new Set([...endpoints].filter((e) => served[e]?.viaChat));
  const servedPaths = [...new Set([...endpoints].map((e) => ENDPOINTS[e].path))].join(", ");

  const { sign } = definition;
  // Only a provider with a ticket answer gets the hook: the attempt checks for it once per JSON answer
  const followsUp = [...endpoints].some((e) => served[e]?.transforms.followUp);
  /** The context the provider's own code sees: the chat context for an endpoint served through the chat layer. */
  function nativeContext(ctx: TransformContext): TransformContext {
    const endpoint = Object.hasOwn(served, ctx.endpoint) ? served[ctx.endpoint] : undefined;
    const protocol = endpoint?.viaChat;
    return protocol && !endpoint.native?.serves?.(ctx) ? chatContext(ctx, protocol) : ctx;
  }

  /** The provider's own transforms of the endpoint when they serve this request (not the chat layer's). */
  function ownTransforms(ctx: TransformContext): EndpointTransforms | undefined {
    const endpoint = Object.hasOwn(served, ctx.endpoint) ? served[ctx.endpoint] : undefined;
    if (!endpoint) return undefined;
    if (endpoint.native) return endpoint.native.serves?.(ctx) ? endpoint.native : undefined;
    return endpoint.viaChat ? undefined : endpoint.transforms;
  }

  /** A local answer, unless the provider's own transforms serve this request (`EndpointTransforms.serves`). */
  function localAnswer(ctx: TransformContext): TranslatedResponse | undefined {
    const answer = locals.get(ctx.endpoint);
    return answer && !served[ctx.endpoint]?.transforms.serves?.(ctx) ? answer(ctx) : undefined;
  }

  function serving(endpoint: Endpoint): ServedEndpoint {
    const found = Object.hasOwn(served, endpoint) ? served[endpoint] : undefined;
    if (found) return found;
    const path = ENDPOINTS[endpoint]?.path ?? endpoint;
    throw new BadRequestError(`Provider ${id} does not serve ${path}; it serves ${servedPaths}.`, {
      code: "unsupported_endpoint",
    });
  }

  return {
    id,
    endpoints,
    viaChat: viaChatEndpoints,
    defaultBaseUrl: definition.defaultBaseUrl,
    requireEndpoint: (endpoint) => void (locals.has(endpoint) || serving(endpoint)),
    ...(locals.size ? { localAnswer } : {}),
    toRequest: (ctx) => serving(ctx.endpoint).transforms.toRequest(ctx),
    ...(sign ? { sign: (req, ctx, io) => sign(req, nativeContext(ctx), io) } : {}),
    fromResponse: (status, body, ctx) => serving(ctx.endpoint).transforms.fromResponse(status, body, ctx),
    ...(followsUp
      ? {
          followUp: async (body, req, ctx, io) =>
            serving(ctx.endpoint).transforms.followUp?.(body, req, ctx, io) ?? body,
        }
      : {}),
    createStreamTranslator(ctx) {
      const { stream } = serving(ctx.endpoint).transforms;
      if (!stream) {
        throw new BadRequestError(`Provider ${id} does not stream ${ENDPOINTS[ctx.endpoint].path}.`, {
          param: "stream",
          code: "unsupported_parameter",
        });
      }
      return stream(ctx);
    },
    mapError: (status, body, ctx) => {
      const own = ownTransforms(ctx)?.mapError;
      return own ? own(status, body, ctx) : definition.mapError(status, body, nativeContext(ctx));
    },
    isStreaming: (ctx) => ctx.body.stream === true && served[ctx.endpoint]?.streams === true,
  };
}
