import { GatewayError, type GatewayErrorOptions } from "../core/errors";

/**
 * A request would take a budget past its limit. Status 412 as Portkey ("Budget exhausted"), not 429: waiting a
 * few seconds does not help, and the OpenAI SDKs retry 429 automatically but not 412, so an exhausted budget does
 * not turn into a retry storm. `code: "budget_exceeded"`, `type: "gateway_budget_exceeded"`.
 */
export class BudgetExceededError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(412, "gateway_budget_exceeded", message, { code: "budget_exceeded", ...options });
  }
}

/**
 * A cost-limited scope cannot be checked because no price is known for the model: the gateway refuses rather than
 * letting an unpriced model spend without bound. Same status as an exhausted budget; `code: "budget_price_unknown"`.
 */
export class PriceUnknownError extends GatewayError {
  constructor(provider: string, model: string, options: GatewayErrorOptions = {}) {
    super(
      412,
      "gateway_budget_exceeded",
      `No price is known for ${provider}/${model}, so its cost cannot be checked against the budget of this key. ` +
        "Add the model to the pricing table or use a token limit instead.",
      { code: "budget_price_unknown", param: "model", ...options },
    );
  }
}
