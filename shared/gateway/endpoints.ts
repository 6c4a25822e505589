import type { Endpoint } from "../providers/types";

export interface EndpointRoute {
  readonly endpoint: Endpoint;
  readonly method: "GET" | "POST";
  /** The body is JSON (parsed once); otherwise it is passed through as bytes (multipart). */
  readonly json: boolean;
}

/** The gateway's own health check (`GET`, no key needed). */
export const HEALTH_PATH = "/health";

/** The OpenAI-compatible data-plane routes. Built once; looked up with one Map get per request. */
export const DATA_PLANE_ROUTES: ReadonlyMap<string, EndpointRoute> = new Map([
  ["/v1/chat/completions", { endpoint: "chat", method: "POST", json: true }],
  ["/v1/completions", { endpoint: "completions", method: "POST", json: true }],
  ["/v1/embeddings", { endpoint: "embeddings", method: "POST", json: true }],
  ["/v1/images/generations", { endpoint: "images", method: "POST", json: true }],
  ["/v1/audio/speech", { endpoint: "speech", method: "POST", json: true }],
  ["/v1/audio/transcriptions", { endpoint: "transcriptions", method: "POST", json: false }],
  ["/v1/moderations", { endpoint: "moderations", method: "POST", json: true }],
  ["/v1/models", { endpoint: "models", method: "GET", json: false }],
]);
