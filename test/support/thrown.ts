import { GatewayError } from "../../shared/core/errors";

/** The `GatewayError` that `fn` throws (any other error is rethrown; no error fails the test). */
export function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error("expected a GatewayError");
}
