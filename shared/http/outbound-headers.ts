import { carriesGatewayCredential } from "../auth/gateway-key";
import { BadRequestError } from "../core/errors";

/**
 * What may be in the headers of an upstream request. Checked once more on the final request (the transport), so
 * whatever an adapter, a config or a virtual key put there, nothing below leaves the gateway.
 */

/** Added to every upstream request; a request that comes back with this deployment's value is a loop (508). */
export const HOP_HEADER = "x-portkey-hop";

/**
 * Hop-by-hop headers (RFC 9110 7.6.1) and framing headers: they describe one connection, so the gateway never
 * forwards them, whatever `x-portkey-forward-headers` or `forward_headers` name (they are dropped, not refused).
 */
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
  "host",
  "content-length",
  "http2-settings",
]);

/** C0 controls but horizontal tab, and DEL: never valid in a header value (CR/LF would split the header). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job
const CONTROL_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export function hasControlCharacter(value: string): boolean {
  return CONTROL_CHARACTER.test(value);
}

/** A 400 naming the header (or option) whose value cannot be sent. */
export function invalidHeaderValue(param: string): BadRequestError {
  return new BadRequestError(`The value of "${param}" contains a control character (CR, LF, NUL, ...).`, {
    param,
    code: "invalid_header_value",
  });
}

/**
 * The headers to put on the wire: every value free of control characters and of gateway credentials (400
 * otherwise, before any byte is sent), no `x-portkey-*` header of the client's, and this deployment's hop mark.
 */
export function outboundHeaders(headers: Readonly<Record<string, string>>, hopId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name] as string;
    if (CONTROL_CHARACTER.test(value)) throw invalidHeaderValue(name);
    if (carriesGatewayCredential(value)) {
      throw new BadRequestError(
        `A gateway key is never sent upstream (header "${name}"); give the provider's own key instead.`,
        { param: name, code: "gateway_key_not_forwardable" },
      );
    }
    if (name.startsWith("x-portkey-")) continue;
    out[name] = value;
  }
  out[HOP_HEADER] = hopId;
  return out;
}
