import { promisify } from "node:util";
import { brotliCompress, brotliDecompress, constants as zlib } from "node:zlib";
import { ENV, optionalEnv } from "../core/env";
import type { ItemTable } from "./item-table";

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);

/**
 * Conversation state of the Responses API for the providers served through the chat translation layer
 * (docs/responses.md): one item per response, keyed by workspace and response id, kept for a TTL. OpenAI and Azure
 * keep their own; the gateway stores only the responses it made.
 */
export interface StoredResponse {
  /** The `response` object as the client was answered. */
  readonly response: Readonly<Record<string, unknown>>;
  /** The input items the model was given (an earlier response's conversation included), each with an `id`. */
  readonly input: readonly Readonly<Record<string, unknown>>[];
}

/** What a read finds: the response, a response too large to have been stored (its size), or nothing. */
export type StoredLookup = StoredResponse | { readonly tooLarge: number } | undefined;

/** Port: the store the responses step reads and writes. */
export interface ResponseStore {
  get(workspaceId: string, id: string): Promise<StoredLookup>;
  /** Stores a new response; one too large for an item is recorded as such (reads then say why it is missing). */
  put(workspaceId: string, stored: StoredResponse): Promise<"stored" | "too_large">;
  delete(workspaceId: string, id: string): Promise<void>;
}

/** How long a stored response is kept unless `RESPONSES_TTL_DAYS` says otherwise: 30 days, as OpenAI's. */
export const DEFAULT_RESPONSES_TTL_DAYS = 30;
/** DynamoDB items are at most 400 KB: the compressed conversation gets this much, the rest is key and attributes. */
export const MAX_STORED_RESPONSE_BYTES = 350_000;

/** The TTL in seconds from `RESPONSES_TTL_DAYS` (a positive number of days), else the default; nonsense throws. */
export function responsesTtlSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = optionalEnv(ENV.responsesTtlDays, env);
  const days = raw === undefined ? DEFAULT_RESPONSES_TTL_DAYS : Number(raw);
  if (!Number.isFinite(days) || days <= 0) {
    throw new Error(`RESPONSES_TTL_DAYS must be a positive number of days, not "${raw}".`);
  }
  return Math.round(days * 86_400);
}

export interface TableResponseStoreOptions {
  readonly ttlSeconds: number;
  /** Epoch ms. */
  readonly now: () => number;
  readonly maxBytes?: number;
}

/**
 * The store on the single table: pk `RESP#<workspace>#<response id>`, sk `RESPONSE`; `body` the brotli-compressed
 * JSON of the response and its input (B), `createdAt` (ms), `expiresAt` (TTL, epoch s; reads check it). A
 * conversation that compresses to more than `maxBytes` is stored as `tooLarge` (its size) without a body.
 */
export class TableResponseStore implements ResponseStore {
  private readonly maxBytes: number;

  constructor(
    private readonly table: ItemTable,
    private readonly options: TableResponseStoreOptions,
  ) {
    this.maxBytes = options.maxBytes ?? MAX_STORED_RESPONSE_BYTES;
  }

  async get(workspaceId: string, id: string): Promise<StoredLookup> {
    const item = await this.table.get(keyOf(workspaceId, id));
    if (!item) return undefined;
    if (typeof item.tooLarge === "number") return { tooLarge: item.tooLarge };
    if (!(item.body instanceof Uint8Array)) return undefined;
    const json = (await decompress(item.body)).toString("utf8");
    return JSON.parse(json) as StoredResponse;
  }

  async put(workspaceId: string, stored: StoredResponse): Promise<"stored" | "too_large"> {
    const packed = await compress(Buffer.from(JSON.stringify(stored), "utf8"), {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT },
    });
    const now = this.options.now();
    const key = keyOf(workspaceId, String(stored.response.id));
    const fits = packed.length <= this.maxBytes;
    const item = {
      ...key,
      entity: "response",
      createdAt: now,
      expiresAt: Math.ceil(now / 1000) + this.options.ttlSeconds,
      ...(fits ? { body: packed } : { tooLarge: packed.length }),
    };
    await this.table.putIfAbsent(item); // ids are random: a taken one is the same response stored again
    return fits ? "stored" : "too_large";
  }

  async delete(workspaceId: string, id: string): Promise<void> {
    await this.table.delete(keyOf(workspaceId, id));
  }
}

function keyOf(workspaceId: string, id: string): { pk: string; sk: string } {
  return { pk: `RESP#${workspaceId.replaceAll("%", "%25").replaceAll("#", "%23")}#${id}`, sk: "RESPONSE" };
}
