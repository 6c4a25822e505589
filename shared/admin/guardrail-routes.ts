import { NotImplementedError } from "../core/errors";
import type { CoreResponse } from "../http/types";
import type { RouteContext } from "./admin-types";

/**
 * Portkey's saved-guardrails API (`/v1/guardrails`, `/v1/guardrails/{id}`). Saved guardrails do not exist yet:
 * guardrails are written inline in a config's hooks (docs/guardrails.md), so every operation answers 501.
 */
export async function savedGuardrails(_ctx: RouteContext): Promise<CoreResponse> {
  throw new NotImplementedError(
    "Saved guardrails are not available yet; write the checks inline in a config's before_request_hooks / after_request_hooks.",
  );
}
