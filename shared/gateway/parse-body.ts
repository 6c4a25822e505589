import { isUtf8 } from "node:buffer";
import { BadRequestError } from "../core/errors";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../core/json-depth";

/**
 * Parses a JSON request body that must be an object of valid UTF-8 (JSON's encoding: a lenient decode would turn
 * bad bytes into U+FFFD and forward a body the client did not send), nested at most 64 levels. Bad input is a 400
 * with a clear message, never a 500.
 */
export function parseJsonObject(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (raw.length === 0) {
    throw new BadRequestError("The request body is empty; a JSON object is required.", { code: "invalid_json" });
  }
  if (contentType && !contentType.toLowerCase().includes("json")) {
    throw new BadRequestError(`Expected a JSON body (content-type application/json), got "${contentType}".`, {
      code: "invalid_content_type",
    });
  }
  if (!isUtf8(raw)) {
    throw new BadRequestError("The request body is not valid UTF-8.", { code: "invalid_encoding" });
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw new BadRequestError(`The request body is not valid JSON: ${(err as Error).message}`, {
      code: "invalid_json",
    });
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new BadRequestError("The request body must be a JSON object.", { code: "invalid_json" });
  }
  if (nestedDeeperThan(value)) {
    throw new BadRequestError(`The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`, {
      code: "invalid_json",
    });
  }
  return value as Record<string, unknown>;
}
