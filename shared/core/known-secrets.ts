/**
 * Secrets the process knows must never be logged, whatever their shape: the provider keys behind virtual keys
 * (registered when a key is decrypted) and the root admin key. Bounded: past `capacity` the least recently added
 * secret is forgotten (a virtual key is decrypted again, and re-registered, when its cache entry expires).
 *
 * `redact` costs nothing when the registry is empty; with a few secrets it is one native substring search each;
 * with more, one Rabin-Karp pass (a rolling hash over the text, a 64 K-slot counting filter in front of a map of
 * anchor hashes), whose cost does not grow with the number of secrets.
 */
export const MIN_KNOWN_SECRET_LENGTH = 12;

/** The anchor: every secret is found by the hash of its first `WINDOW` characters. */
const WINDOW = MIN_KNOWN_SECRET_LENGTH;
const BASE = 0x01000193;
const FILTER_BITS = 16;
const FILTER_MASK = (1 << FILTER_BITS) - 1;
/** Up to this many secrets, `String#includes` per secret beats one hashed pass. */
const DIRECT_SEARCH_LIMIT = 16;

function power(base: number, exponent: number): number {
  let out = 1;
  for (let i = 0; i < exponent; i++) out = Math.imul(out, base);
  return out;
}
/** BASE^(WINDOW-1) mod 2^32, to take the leaving character out of the rolling hash. */
const LEAVING = power(BASE, WINDOW - 1);

function anchorHash(text: string, start: number): number {
  let h = 0;
  for (let i = start; i < start + WINDOW; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}

function slot(hash: number): number {
  return (hash ^ (hash >>> FILTER_BITS)) & FILTER_MASK;
}

export class KnownSecrets {
  /** The secrets in insertion (refresh) order, for eviction. */
  private readonly order = new Set<string>();
  /** Anchor hash -> secrets with that anchor, longest first. */
  private readonly byAnchor = new Map<number, string[]>();
  private readonly filter = new Uint16Array(1 << FILTER_BITS);
  /** The secrets longest first (a longer secret may contain a shorter one); rebuilt after a change. */
  private sorted: string[] | undefined;

  constructor(readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error("KnownSecrets capacity must be a positive integer");
  }

  get size(): number {
    return this.order.size;
  }

  /** Registers a secret (and its JSON-escaped form when that differs). Shorter than 12 characters: ignored. */
  add(secret: string | undefined): void {
    if (secret === undefined || secret.length < MIN_KNOWN_SECRET_LENGTH) return;
    this.addOne(secret);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) this.addOne(escaped);
  }

  private addOne(secret: string): void {
    this.sorted = undefined;
    if (this.order.delete(secret)) {
      this.order.add(secret);
      return;
    }
    this.order.add(secret);
    const hash = anchorHash(secret, 0);
    const list = this.byAnchor.get(hash);
    if (list) {
      list.push(secret);
      list.sort((a, b) => b.length - a.length);
    } else {
      this.byAnchor.set(hash, [secret]);
    }
    this.filter[slot(hash)] = (this.filter[slot(hash)] as number) + 1;
    if (this.order.size > this.capacity) this.remove(this.order.values().next().value as string);
  }

  private remove(secret: string): void {
    this.sorted = undefined;
    this.order.delete(secret);
    const hash = anchorHash(secret, 0);
    const list = this.byAnchor.get(hash);
    if (!list) return;
    const at = list.indexOf(secret);
    if (at === -1) return;
    list.splice(at, 1);
    if (list.length === 0) this.byAnchor.delete(hash);
    this.filter[slot(hash)] = (this.filter[slot(hash)] as number) - 1;
  }

  /** `text` with every occurrence of every known secret replaced by `replacement`. */
  redact(text: string, replacement: string): string {
    const count = this.order.size;
    if (count === 0 || text.length < WINDOW) return text;
    // A few secrets: native substring search is cheapest (~0.2 us per secret per 3 KiB).
    if (count <= DIRECT_SEARCH_LIMIT) {
      let out = text;
      for (const secret of this.longestFirst()) if (out.includes(secret)) out = out.split(secret).join(replacement);
      return out;
    }
    return this.scan(text, replacement);
  }

  private longestFirst(): readonly string[] {
    this.sorted ??= [...this.order].sort((a, b) => b.length - a.length);
    return this.sorted;
  }

  /** Rabin-Karp over the whole text: cost independent of the number of secrets. */
  private scan(text: string, replacement: string): string {
    const filter = this.filter;
    const last = text.length - WINDOW;
    let out = "";
    let copied = 0;
    let i = 0;
    let h = anchorHash(text, 0);
    while (true) {
      if (filter[(h ^ (h >>> FILTER_BITS)) & FILTER_MASK] !== 0) {
        const matched = this.matchAt(text, i, h);
        if (matched > 0) {
          out += text.slice(copied, i) + replacement;
          i += matched;
          copied = i;
          if (i > last) break;
          h = anchorHash(text, i);
          continue;
        }
      }
      if (i >= last) break;
      h = (Math.imul((h - Math.imul(text.charCodeAt(i), LEAVING)) | 0, BASE) + text.charCodeAt(i + WINDOW)) | 0;
      i++;
    }
    return copied === 0 ? text : out + text.slice(copied);
  }

  /** Length of the longest known secret starting at `i` (whose anchor hashes to `h`), or 0. */
  private matchAt(text: string, i: number, h: number): number {
    const list = this.byAnchor.get(h);
    if (list) for (const secret of list) if (text.startsWith(secret, i)) return secret.length;
    return 0;
  }
}

/** The process's registry (one per Lambda instance or local runtime). */
export const knownSecrets = new KnownSecrets();
