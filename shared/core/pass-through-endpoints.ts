/**
 * The endpoint table's pass-through and media-upload rows (docs/pass-through.md, ADR 0028), spread into the table
 * in shared/core/endpoints.ts, which checks them against `EndpointSpec`. Names follow the `openai` SDK's methods.
 */

/** The catch-all path: any path below `/v1/` that no other row declares. */
export const CATCH_ALL_PATH = "/v1/{proxy+}";

const NO_ESTIMATE = { prompt: undefined, completion: false } as const;

/** A row whose resource lives in one upstream account: first target only, one attempt, no token usage. */
function passThrough<
  const P extends `/v1/${string}`,
  const M extends "GET" | "POST" | "DELETE",
  const B extends "json" | "multipart" | "raw" | "none",
  const A extends "json" | "bytes",
>(path: P, method: M, body: B, answer: A, validate?: { readonly required: readonly string[] }) {
  return {
    ...(validate ? { validate } : {}),
    path,
    method,
    body,
    answer,
    stream: false,
    cacheable: false,
    guarded: false,
    estimate: NO_ESTIMATE,
    passThrough: true,
  } as const;
}

/** A stateless media upload: the client's multipart bytes unchanged, routed (fallback, retries) like transcriptions. */
function mediaUpload<const P extends `/v1/${string}`>(path: P) {
  return {
    path,
    method: "POST",
    body: "multipart",
    answer: "json",
    stream: false,
    cacheable: false,
    guarded: false,
    estimate: { prompt: undefined, completion: true },
  } as const;
}

export const PASS_THROUGH_ENDPOINTS = {
  fileUpload: passThrough("/v1/files", "POST", "multipart", "json"),
  fileList: passThrough("/v1/files", "GET", "none", "json"),
  fileRetrieve: passThrough("/v1/files/{file_id}", "GET", "none", "json"),
  fileDelete: passThrough("/v1/files/{file_id}", "DELETE", "none", "json"),
  fileContent: passThrough("/v1/files/{file_id}/content", "GET", "none", "bytes"),
  batchCreate: passThrough("/v1/batches", "POST", "json", "json", {
    required: ["input_file_id", "endpoint", "completion_window"],
  }),
  batchList: passThrough("/v1/batches", "GET", "none", "json"),
  batchRetrieve: passThrough("/v1/batches/{batch_id}", "GET", "none", "json"),
  batchCancel: passThrough("/v1/batches/{batch_id}/cancel", "POST", "none", "json"),
  fineTuningCreate: passThrough("/v1/fine_tuning/jobs", "POST", "json", "json", {
    required: ["model", "training_file"],
  }),
  fineTuningList: passThrough("/v1/fine_tuning/jobs", "GET", "none", "json"),
  fineTuningRetrieve: passThrough("/v1/fine_tuning/jobs/{fine_tuning_job_id}", "GET", "none", "json"),
  fineTuningCancel: passThrough("/v1/fine_tuning/jobs/{fine_tuning_job_id}/cancel", "POST", "none", "json"),
  fineTuningEvents: passThrough("/v1/fine_tuning/jobs/{fine_tuning_job_id}/events", "GET", "none", "json"),
  imageEdits: mediaUpload("/v1/images/edits"),
  imageVariations: mediaUpload("/v1/images/variations"),
  translations: mediaUpload("/v1/audio/translations"),
  // The catch-all, one row per method: vector stores, uploads, containers, ... streamed through as they come
  proxyGet: passThrough(CATCH_ALL_PATH, "GET", "none", "bytes"),
  proxyPost: passThrough(CATCH_ALL_PATH, "POST", "raw", "bytes"),
  proxyDelete: passThrough(CATCH_ALL_PATH, "DELETE", "none", "bytes"),
} as const;
