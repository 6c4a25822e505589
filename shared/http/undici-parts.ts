/**
 * The parts of undici the transport uses, imported file by file so a bundle carries only them (ADR 0039):
 * `import { Agent } from "undici"` runs undici's entry, which requires fetch, WebSocket, the mocks, the proxy agents
 * and the caches too (CommonJS, so a bundler cannot leave them out). Same classes, same behaviour.
 */
import type { Dispatcher } from "undici";
import apiRequest from "undici/lib/api/api-request.js";
import buildConnector from "undici/lib/core/connect.js";
import errors from "undici/lib/core/errors.js";
import Agent from "undici/lib/dispatcher/agent.js";

export { Agent, buildConnector, errors };

/**
 * undici's `request(url, options)` for one dispatcher (what its entry builds with `makeDispatcher`), for the options
 * the transport sets. They are copied by name: an object rest + spread of them cost ~1.4 us per request.
 */
export function request(
  url: string,
  options: Pick<Dispatcher.RequestOptions, "method" | "headers" | "body" | "signal"> & { dispatcher: Dispatcher },
): Promise<Dispatcher.ResponseData> {
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new errors.InvalidArgumentError("Invalid URL protocol: the URL must start with `http:` or `https:`.");
  }
  return apiRequest.call(options.dispatcher, {
    method: options.method,
    headers: options.headers,
    body: options.body,
    signal: options.signal,
    origin: parsed.origin,
    path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname,
  });
}
