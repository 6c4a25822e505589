import { RootKeyMatcher, staticRootKey } from "../shared/auth/root-key";
import { AuthenticationError, MethodNotAllowedError, renderError } from "../shared/core/errors";
import type { CoreHandler } from "../shared/http/types";
import { PROMETHEUS_CONTENT_TYPE } from "../shared/telemetry/prometheus-text";

/** The path Prometheus scrapes on the local runtime (`OTEL_METRICS_EXPORTER=prometheus`). */
export const METRICS_PATH = "/metrics";

function bearer(headers: Readonly<Record<string, string>>): string | undefined {
  const auth = headers.authorization;
  if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim();
  return headers["x-portkey-api-key"];
}

/**
 * `GET /metrics`: the request metrics in Prometheus text format, for the root admin key only (they count every
 * workspace's traffic). Prometheus sends it with `authorization: { credentials: <key> }` in its scrape config.
 */
export function createMetricsCore(scrape: () => Promise<string>, adminKey: string): CoreHandler {
  const root = new RootKeyMatcher(staticRootKey(adminKey));
  return async function serveMetrics(req) {
    try {
      if (req.method !== "GET") throw new MethodNotAllowedError(req.method, METRICS_PATH);
      const key = bearer(req.headers);
      if (key === undefined || !(await root.matches(key))) {
        throw new AuthenticationError("GET /metrics needs the root admin key.");
      }
      return { status: 200, headers: { "content-type": PROMETHEUS_CONTENT_TYPE }, body: await scrape() };
    } catch (err) {
      const rendered = renderError(err);
      return { status: rendered.status, headers: rendered.headers, body: rendered.body };
    }
  };
}
