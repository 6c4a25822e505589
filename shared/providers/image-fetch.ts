import { BadRequestError, GatewayError } from "../core/errors";
import type { InlineData } from "./chat-request";
import type { SideCalls } from "./types";

/**
 * Images given by http(s) URL to a provider that takes only bytes (Bedrock Converse): fetched in the adapter's
 * `sign` step through the side-call transport, so the URL passes the SSRF guard like any upstream. Nothing of the
 * client's request (headers, keys) is sent with it. A request's fetches share one byte cap and one time budget
 * (`IMAGE_FETCH_TIMEOUT_MS`, whatever the number of URLs); the answer must be a
 * 2xx with an image content type. Every failure is the client's 400 naming the message part.
 */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
export const IMAGE_FETCH_TIMEOUT_MS = 10_000;
const IMAGE_TYPES: ReadonlySet<string> = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

export interface ImageFetchLimits {
  /** Bytes across every image of one request (each image is fetched with what is left). */
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
}

function refused(param: string, code: string, detail: string): BadRequestError {
  return new BadRequestError(`The image at "${param}" ${detail}.`, { param, code });
}

async function fetchOne(
  url: string,
  param: string,
  io: SideCalls,
  maxBytes: number,
  timeoutMs: number,
): Promise<InlineData> {
  let answer: Awaited<ReturnType<SideCalls["send"]>>;
  try {
    answer = await io.send(
      { url, method: "GET", headers: { accept: [...IMAGE_TYPES].join(", ") } },
      { maxBytes, signal: AbortSignal.timeout(timeoutMs) },
    );
  } catch (err) {
    if (err instanceof GatewayError && err.code === "upstream_response_too_large") {
      throw refused(param, "image_too_large", `is larger than ${maxBytes} bytes`);
    }
    if (err instanceof GatewayError && err.code === "custom_host_forbidden") {
      throw refused(param, "image_url_forbidden", "is on a host this deployment does not allow");
    }
    if (err instanceof GatewayError && err.statusCode < 500) throw err;
    throw refused(param, "image_url_unreachable", "could not be fetched");
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw refused(param, "image_url_unreachable", `could not be fetched (HTTP ${answer.status})`);
  }
  const header = answer.headers["content-type"];
  const mediaType = String(Array.isArray(header) ? header[0] : (header ?? ""))
    .split(";")[0]
    ?.trim()
    .toLowerCase();
  if (!mediaType || !IMAGE_TYPES.has(mediaType)) {
    throw refused(param, "unsupported_image_type", "is not a PNG, JPEG, GIF or WebP image");
  }
  if (answer.body.length === 0) throw refused(param, "image_url_unreachable", "is empty");
  return { mediaType, base64: answer.body.toString("base64") };
}

/**
 * Fetches each distinct URL once, one after the other, within one byte budget for the whole request (a request
 * never holds more than `maxBytes` of images). URL -> the image's bytes.
 */
export async function fetchImages(
  images: readonly { readonly url: string; readonly param: string }[],
  io: SideCalls,
  limits: ImageFetchLimits = {},
): Promise<Map<string, InlineData>> {
  const out = new Map<string, InlineData>();
  let left = limits.maxBytes ?? MAX_IMAGE_BYTES;
  // one time budget for all of them: 20 slow URLs never hold a request for 20 timeouts
  const deadline = Date.now() + (limits.timeoutMs ?? IMAGE_FETCH_TIMEOUT_MS);
  for (const { url, param } of images) {
    if (out.has(url)) continue;
    if (left <= 0) throw refused(param, "image_too_large", "does not fit: the request's images exceed the size cap");
    const data = await fetchOne(url, param, io, left, Math.max(1, deadline - Date.now()));
    left -= Buffer.byteLength(data.base64, "base64");
    out.set(url, data);
  }
  return out;
}
