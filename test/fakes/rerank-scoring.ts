/** The fakes' relevance: the share of the query's words a document contains (deterministic, testable order). */
export function relevance(query: string, doc: string): number {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const text = doc.toLowerCase();
  return words.length === 0 ? 0 : words.filter((w) => text.includes(w)).length / words.length;
}

/** Indexes with scores, best first, cut to `top`. */
export function ranked(
  query: string,
  docs: readonly string[],
  top?: number,
): { index: number; relevance_score: number }[] {
  const out = docs.map((d, index) => ({ index, relevance_score: relevance(query, d) }));
  out.sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  return typeof top === "number" ? out.slice(0, top) : out;
}

export function wordCount(texts: readonly string[]): number {
  return texts.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
}

/** An 8-dimension vector per text, from its length (the same text, the same vector). */
export function fakeVector(text: string): number[] {
  return Array.from({ length: 8 }, (_, i) => ((text.length + i) % 7) / 7);
}
