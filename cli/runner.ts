import type { Command } from "commander";
import type { z } from "zod";
import { type ApiClient, createClient, type Json } from "./client";
import { UsageError } from "./errors";
import { type Column, renderJson, renderRecord, renderTable, stripControls } from "./output";
import { type Env, resolveSettings } from "./settings";

/** What a command may touch: its streams, its environment, and (lazily) the API client. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: Env;
  /** Aborted on SIGINT/SIGTERM: `logs tail` stops at its next wait. */
  readonly signal: AbortSignal;
}

export interface Run {
  readonly io: Io;
  readonly json: boolean;
  /** The client for the settings resolved from flags, env and the config file (a usage error if incomplete). */
  client(): Promise<ApiClient>;
  /** A list answer as a table (or JSON), with the next page's cursor on stderr. */
  printList(answer: Json, columns: readonly Column[]): void;
  /** One object as `field value` lines (or JSON). */
  printRecord(answer: Json): void;
  /** A short confirmation line (or the answer as JSON). */
  printDone(answer: Json, message: string): void;
}

export type Action = (run: Run, args: string[], options: Record<string, unknown>) => Promise<void>;

/** Wraps an action so it receives a `Run` built from the program's global flags. */
export function action(io: Io, fn: Action): (...raw: unknown[]) => Promise<void> {
  return async (...raw) => {
    const command = raw[raw.length - 1] as Command;
    // The command's own options plus the program's (`--url` is the program's, `login` reads it too).
    const globals = command.optsWithGlobals<{ url?: string; key?: string; timeout?: string; json?: boolean }>();
    const options: Record<string, unknown> = globals;
    const json = globals.json === true;
    let client: ApiClient | undefined;
    const run: Run = {
      io,
      json,
      client: async () => {
        client ??= createClient(await resolveSettings(globals, io.env));
        return client;
      },
      printList(answer, columns) {
        const data = Array.isArray(answer.data) ? (answer.data as Json[]) : [];
        if (json) return io.stdout(renderJson(answer));
        io.stdout(renderTable(data, columns));
        if (typeof answer.next_cursor === "string") io.stderr(`more: --cursor ${answer.next_cursor}\n`);
      },
      printRecord(answer) {
        io.stdout(json ? renderJson(answer) : renderRecord(answer));
      },
      printDone(answer, message) {
        io.stdout(json ? renderJson(answer) : `${stripControls(message)}\n`);
      },
    };
    await fn(run, command.args, options);
  };
}

/**
 * Validates a body locally with the server's own schema: a problem is a usage error and no request is sent. The
 * body goes out as written (the server validates it again and owns the transforms).
 */
export function checked<T>(schema: z.ZodType, body: T, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return body;
  const issue = result.error.issues[0];
  const at = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  throw new UsageError(`Invalid ${what}${at}: ${issue?.message ?? "invalid"}`);
}

/** Parses `--limit`-like options. */
export function intOption(raw: unknown, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number ${min}..${max}.`);
  return n;
}

/** Merges a document read from `--file` (an object) with the fields given as flags (flags win). */
export function bodyFrom(document: unknown, fields: Record<string, unknown>, what: string): Record<string, unknown> {
  if (document !== undefined && (typeof document !== "object" || document === null || Array.isArray(document))) {
    throw new UsageError(`The ${what} file must hold an object.`);
  }
  const body: Record<string, unknown> = { ...(document as Record<string, unknown> | undefined) };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body[k] = v;
  return body;
}
