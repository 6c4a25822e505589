/**
 * The parts of undici the transport uses, imported file by file so a bundle carries only them (ADR 0039):
 * `import { Agent } from "undici"` runs undici's entry, which requires fetch, WebSocket, the mocks, the proxy agents
 * and the caches too (CommonJS, so a bundler cannot leave them out). Same classes, same behaviour.
 */
import buildConnector from "undici/lib/core/connect.js";
import errors from "undici/lib/core/errors.js";
import Agent from "undici/lib/dispatcher/agent.js";

/** The transport dispatches with its own handler (`upstream.ts`, ADR 0045): undici's `request()` API is not used. */
export { Agent, buildConnector, errors };
