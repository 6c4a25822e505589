import type { Writable } from "node:stream";

/**
 * The Lambda Node.js runtime provides a global `awslambda` for response streaming. Tests install this small
 * stand-in before importing a streaming handler: `streamifyResponse` returns the handler as is, and
 * `HttpResponseStream.from` records the prelude (status, headers) on the stream it is given.
 */
export interface RecordedPrelude {
  statusCode?: number;
  headers?: Record<string, string>;
}

type StreamWithPrelude = Writable & { prelude?: RecordedPrelude };

const shim = {
  streamifyResponse: <T>(fn: T): T => fn,
  HttpResponseStream: {
    from(stream: StreamWithPrelude, prelude: RecordedPrelude): StreamWithPrelude {
      stream.prelude = prelude;
      return stream;
    },
  },
};

(globalThis as unknown as { awslambda: typeof shim }).awslambda = shim;
