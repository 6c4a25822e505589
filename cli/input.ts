import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { UsageError } from "./errors";

/** The largest file or stdin the CLI reads (configs, prompts and secrets are far smaller). */
const MAX_INPUT_BYTES = 1024 * 1024;
const STDIN_TIMEOUT_MS = 30_000;

async function boundedFile(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`${path} is not a file.`);
    if (info.size > MAX_INPUT_BYTES) throw new UsageError(`${path} is larger than ${MAX_INPUT_BYTES} bytes.`);
    return await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** All of stdin, bounded in size and time (a forgotten pipe is an error, not a hang). */
export async function readStdin(stdin: NodeJS.ReadableStream & { isTTY?: boolean }, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const read = (async () => {
    for await (const chunk of stdin) {
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
      size += buf.byteLength;
      if (size > MAX_INPUT_BYTES) throw new UsageError(`${what} on stdin is larger than ${MAX_INPUT_BYTES} bytes.`);
      chunks.push(buf);
    }
    return Buffer.concat(chunks).toString("utf8");
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UsageError(`No ${what} on stdin within ${STDIN_TIMEOUT_MS / 1000} s.`)),
      STDIN_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A secret from `--secret-stdin` or `--secret-file` (one trailing newline dropped), never from the command line:
 * argv is visible to every user of the machine (`ps`) and lands in shell history.
 */
export async function readSecret(
  options: { secretStdin?: boolean; secretFile?: string },
  stdin: NodeJS.ReadableStream,
  required: boolean,
): Promise<string | undefined> {
  if (options.secretStdin && options.secretFile)
    throw new UsageError("Pass --secret-stdin or --secret-file, not both.");
  let raw: string | undefined;
  if (options.secretStdin) raw = await readStdin(stdin, "secret");
  else if (options.secretFile) raw = await boundedFile(options.secretFile);
  if (raw === undefined) {
    if (required) throw new UsageError("The secret is read from --secret-stdin or --secret-file (never from argv).");
    return undefined;
  }
  const secret = raw.replace(/\r?\n$/, "");
  if (secret === "" || /[\r\n]/.test(secret)) throw new UsageError("The secret must be one non-empty line.");
  return secret;
}

/** A JSON or YAML document from a file (`-` is stdin): `.json` is JSON; anything else is YAML (a superset of JSON). */
export async function readDocument(path: string, stdin: NodeJS.ReadableStream): Promise<unknown> {
  const text = path === "-" ? await readStdin(stdin, "document") : await boundedFile(path);
  const name = path === "-" ? "stdin" : path;
  if (extname(path).toLowerCase() === ".json") {
    try {
      return JSON.parse(text);
    } catch (err) {
      // Only the position: V8's message quotes the text around it (the file may hold a secret).
      const at = /position (\d+)/.exec((err as Error).message)?.[1];
      throw new UsageError(`${name} is not valid JSON${at === undefined ? "" : ` (at character ${at})`}.`);
    }
  }
  try {
    return parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    // The first line only: YAML's code frame would echo the file's text (it may hold a secret).
    const reason = (err as Error).message.split("\n")[0];
    throw new UsageError(`${name} is not valid YAML: ${reason}`);
  }
}
