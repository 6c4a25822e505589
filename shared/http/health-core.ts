import { NotFoundError, renderError } from "../core/errors";
import type { CoreHandler } from "./types";

/** A core that only answers `GET <healthPath>`: the admin and analytics functions before their APIs land. */
export function createHealthCore(service: string, healthPath: string): CoreHandler {
  return async function handleHealth(req) {
    if (req.method === "GET" && req.path === healthPath) {
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ status: "ok", service }),
      };
    }
    const rendered = renderError(
      new NotFoundError(`No route for ${req.method} ${req.path}.`, { code: "unknown_route" }),
    );
    return { status: rendered.status, headers: rendered.headers, body: rendered.body };
  };
}
