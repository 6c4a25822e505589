import { API_RESOURCES } from "../../shared/routes";
import type { FunctionName } from "./node-function";

/**
 * The API's route table, as data: a path (API Gateway resource syntax) and the function behind it. Every route
 * accepts ANY method; the function answers 404/405 itself. API Gateway picks the most specific resource, so the
 * `/v1/{proxy+}` catch-all only gets what no control-plane or analytics route claims.
 *
 * Derived, never written by hand: from the route tables of the data plane, the admin API and the analytics API
 * (see shared/routes.ts), so a route a function serves is routed to it and nothing else is.
 */
export interface Route {
  readonly path: string;
  readonly target: FunctionName;
}

export const ROUTES: readonly Route[] = API_RESOURCES;
