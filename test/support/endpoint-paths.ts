import type { EndpointRow } from "../../shared/core/endpoints";

/**
 * A request path for a row of the endpoint table: `{name}` -> `sample-name`, the catch-all -> a vector-store path
 * (a path of OpenAI's API that no row declares).
 */
export function samplePath(row: Pick<EndpointRow, "path">): string {
  return row.path
    .replace("{proxy+}", "vector_stores/vs_1/files")
    .replace(/\{(\w+)\}/g, (_, name: string) => `sample-${name}`);
}
