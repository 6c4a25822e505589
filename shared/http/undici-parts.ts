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

/** undici's `request(url, options)` for one dispatcher (what its entry builds with `makeDispatcher`). */
export function request(
  url: string,
  options: Omit<Dispatcher.RequestOptions, "origin" | "path"> & { dispatcher: Dispatcher },
): Promise<Dispatcher.ResponseData> {
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new errors.InvalidArgumentError("Invalid URL protocol: the URL must start with `http:` or `https:`.");
  }
  const { dispatcher, ...rest } = options;
  return apiRequest.call(dispatcher, {
    ...rest,
    origin: parsed.origin,
    path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname,
  });
}
