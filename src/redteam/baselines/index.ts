/**
 * The filters people run today, as baselines for the benchmark. Each takes
 * the documents' texts and returns the indices it would remove.
 * - exact dedup: every copy after the first of a normalised text;
 * - MinHash: documents in a near-duplicate pair (word 5-gram shingles,
 *   128 permutations, LSH 16x8 bands, confirmed at estimated Jaccard >= 0.8);
 * - perplexity: the `budget` documents a word-bigram model trained on the
 *   rest of the corpus finds least likely (per token), budget = what Antidote removed.
 */
import { words } from '../../text/index.js';
import { candidatePairs, minhash, shingleHashes, signatureSimilarity } from '../../scan/near-duplicates/index.js';

export interface Baseline {
  id: string;
  description: string;
  flag(texts: readonly string[], budget: number): Set<number>;
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

export const exactDedup: Baseline = {
  id: 'exact-dedup',
  description: 'exact duplicates after case and whitespace normalisation',
  flag(texts) {
    const seen = new Set<string>();
    const out = new Set<number>();
    texts.forEach((t, i) => {
      const key = normalise(t);
      if (seen.has(key)) out.add(i);
      else seen.add(key);
    });
    return out;
  },
};

export function minhashSignature(text: string): Uint32Array {
  return minhash(shingleHashes(text));
}

// The benchmark scans the same clean documents again and again with a few
// poisons added; their signatures are kept rather than recomputed.
const signatureCache = new Map<string, Uint32Array>();
const CACHE_LIMIT = 300_000;

function cachedSignature(text: string): Uint32Array {
  let sig = signatureCache.get(text);
  if (!sig) {
    sig = minhashSignature(text);
    if (signatureCache.size < CACHE_LIMIT) signatureCache.set(text, sig);
  }
  return sig;
}

export const minhashNearDup: Baseline = {
  id: 'minhash',
  description: 'MinHash LSH near-duplicates, Jaccard >= 0.8 over word 5-grams',
  flag(texts) {
    const sigs = texts.map(cachedSignature);
    const out = new Set<number>();
    for (const [a, b] of candidatePairs(sigs)) {
      if (signatureSimilarity(sigs[a]!, sigs[b]!) >= 0.8) {
        out.add(a);
        out.add(b);
      }
    }
    return out;
  },
};

export const perplexityFilter: Baseline = {
  id: 'perplexity',
  description: 'word-bigram model trained on the corpus; removes the documents it finds least likely, as many as Antidote removed',
  flag(texts, budget) {
    const unigrams = new Map<string, number>();
    const bigrams = new Map<string, number>();
    let total = 0;
    const tokenised = texts.map((t) => words(t.toLowerCase()).slice(0, 2000));
    for (const w of tokenised) {
      for (let i = 0; i < w.length; i++) {
        unigrams.set(w[i]!, (unigrams.get(w[i]!) ?? 0) + 1);
        if (i > 0) bigrams.set(`${w[i - 1]} ${w[i]}`, (bigrams.get(`${w[i - 1]} ${w[i]}`) ?? 0) + 1);
        total++;
      }
    }
    const vocabulary = unigrams.size + 1;
    // each document is scored by a model without its own counts (leave one
    // out), as a filter trained on other text would score it
    const scores = tokenised.map((w) => {
      if (w.length === 0) return 0;
      const ownUni = new Map<string, number>();
      const ownBi = new Map<string, number>();
      for (let i = 0; i < w.length; i++) {
        ownUni.set(w[i]!, (ownUni.get(w[i]!) ?? 0) + 1);
        if (i > 0) ownBi.set(`${w[i - 1]} ${w[i]}`, (ownBi.get(`${w[i - 1]} ${w[i]}`) ?? 0) + 1);
      }
      const uniCount = (t: string) => (unigrams.get(t) ?? 0) - (ownUni.get(t) ?? 0);
      let logp = 0;
      for (let i = 0; i < w.length; i++) {
        const uni = (uniCount(w[i]!) + 1) / (total - w.length + vocabulary);
        const prev = i > 0 ? uniCount(w[i - 1]!) : 0;
        const pair = `${w[i - 1]} ${w[i]}`;
        const bi = prev > 0 ? ((bigrams.get(pair) ?? 0) - (ownBi.get(pair) ?? 0)) / prev : 0;
        logp += Math.log(0.7 * bi + 0.3 * uni);
      }
      return -logp / w.length;
    });
    const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
    return new Set(order.slice(0, budget).map(([, i]) => i));
  },
};

export const BASELINES: readonly Baseline[] = [exactDedup, minhashNearDup, perplexityFilter];
