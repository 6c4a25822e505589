import { type ErrorBody, UpstreamError } from "../core/errors";
import type { HookResults } from "./types";

export const GUARDRAIL_DENY_STATUS = 446;
export const GUARDRAIL_FLAG_STATUS = 246;

export interface GuardrailErrorBody extends ErrorBody {
  hook_results: HookResults;
}

/**
 * A hook with `deny: true` failed: HTTP 446 with OpenAI's error shape plus Portkey's `hook_results`. It extends
 * `UpstreamError` on purpose: routing treats a denied target like a target that answered 446, so `fallback`
 * moves on to the next target (and `on_status_codes: [446]` selects it), exactly as in Portkey.
 */
export class GuardrailDeniedError extends UpstreamError {
  readonly hookResults: HookResults;

  constructor(hookResults: HookResults) {
    super(GUARDRAIL_DENY_STATUS, {
      error: {
        message:
          "The guardrail checks defined in the config failed. You can find more information in the `hook_results` object.",
        type: "gateway_hooks_failed",
        param: null,
        code: "hooks_failed",
      },
    });
    this.hookResults = hookResults;
  }

  override toBody(): GuardrailErrorBody {
    return { error: { ...this.upstreamBody.error }, hook_results: this.hookResults };
  }
}
