/** Exit codes: 0 ok, 1 the API (or the network) refused, 2 the command line or a local file is wrong. */
export const EXIT_OK = 0;
export const EXIT_API = 1;
export const EXIT_USAGE = 2;

/** A problem with the command line or a local input (a file, stdin, the settings): exit code 2, no HTTP call made. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The gateway answered an error (its `{"error":{...}}` body) or could not be reached: exit code 1. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly param: string | undefined,
  ) {
    super(message);
  }
}
