import { ENDPOINT_ROWS, type EndpointRow } from "../core/endpoints";

/** A data-plane route: the endpoint table's row (shared/core/endpoints.ts) for the path. */
export type EndpointRoute = EndpointRow;

/** The gateway's own health check (`GET`, no key needed). */
export const HEALTH_PATH = "/health";

/** The OpenAI-compatible data-plane routes, by path, from the endpoint table. Looked up with one Map get per request. */
export const DATA_PLANE_ROUTES: ReadonlyMap<string, EndpointRoute> = new Map(
  ENDPOINT_ROWS.map((row) => [row.path, row]),
);
