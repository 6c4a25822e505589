/**
 * Types for the three undici files the transport imports directly (`undici-parts.ts`). undici's entry requires all
 * of undici (fetch, WebSocket, mocks, proxies, caches); these paths are the pooled Agent, the connector and the
 * error classes, with the types undici publishes for them.
 */
declare module "undici/lib/dispatcher/agent.js" {
  import { Agent } from "undici";
  export default Agent;
}

declare module "undici/lib/core/connect.js" {
  import { buildConnector } from "undici";
  export default buildConnector;
}

declare module "undici/lib/core/errors.js" {
  import { errors } from "undici";
  export default errors;
}
