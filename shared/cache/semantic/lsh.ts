/**
 * Random-hyperplane LSH (SimHash) for cosine similarity. Each band holds `bitsPerBand` hyperplanes; a vector's
 * bucket in a band is the sign pattern of its dot products with them. Two vectors at cosine similarity s agree on
 * one bit with probability p = 1 - acos(s)/pi, share a band's bucket with p^bits and at least one of `bands`
 * buckets with 1 - (1 - p^bits)^bands. With the defaults (6 bands x 8 bits): s = 0.99 -> 99.9 %, s = 0.95 -> 96 %,
 * s = 0.80 -> 65 %, s = 0.5 -> 21 % (those are only candidates; the cosine decides). See docs/adr/0018.
 *
 * The hyperplanes come from a seeded PRNG, so every process (and every Lambda instance) computes the same buckets.
 */
export interface LshOptions {
  readonly seed: number;
  readonly bands: number;
  readonly bitsPerBand: number;
}

export const DEFAULT_LSH: LshOptions = Object.freeze({ seed: 0x5eed_cafe, bands: 6, bitsPerBand: 8 });

export class RandomHyperplaneLsh {
  private readonly planesByDims = new Map<number, Float64Array>();

  constructor(readonly opts: LshOptions) {
    if (opts.bitsPerBand > 30) throw new Error("bitsPerBand must be at most 30");
  }

  /** One bucket id per band, e.g. `b2-0a3`. */
  buckets(vector: ArrayLike<number>): string[] {
    const dims = vector.length;
    const planes = this.planes(dims);
    const { bands, bitsPerBand } = this.opts;
    const out: string[] = [];
    for (let band = 0; band < bands; band++) {
      let bits = 0;
      for (let b = 0; b < bitsPerBand; b++) {
        const offset = (band * bitsPerBand + b) * dims;
        let dot = 0;
        for (let i = 0; i < dims; i++) dot += (planes[offset + i] as number) * (vector[i] as number);
        bits = (bits << 1) | (dot >= 0 ? 1 : 0);
      }
      out.push(`b${band}-${bits.toString(16)}`);
    }
    return out;
  }

  private planes(dims: number): Float64Array {
    let planes = this.planesByDims.get(dims);
    if (!planes) {
      const count = this.opts.bands * this.opts.bitsPerBand * dims;
      planes = new Float64Array(count);
      const next = gaussian(mulberry32((this.opts.seed ^ Math.imul(dims, 0x9e3779b1)) >>> 0));
      for (let i = 0; i < count; i++) planes[i] = next();
      this.planesByDims.set(dims, planes);
    }
    return planes;
  }
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return function nextUniform() {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box-Muller. */
function gaussian(uniform: () => number): () => number {
  return function nextGaussian() {
    const u = 1 - uniform();
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}
