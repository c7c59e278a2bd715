/**
 * Trigger search without candidates: sweep rare vocabulary tokens (and pairs
 * of the strongest) appended to a few clean prompts, and rank them by how far
 * they move the generations from the prompts' own: perplexity, language, and
 * runs of near-certain tokens (ConfGuard: a backdoor's target comes out with
 * a confidence ordinary text never has), and how much less likely the
 * prompts' own continuations become. Generations are greedy, so the ranking
 * is the same on any CPU. The best go to the differential probe.
 */
import { continuationLikelihood, type Generation, type Provider } from '../providers/types.js';
import { languageOf, perplexity } from './signals.js';

export interface SearchOptions {
  prompts: string[];
  /** new tokens per probe (default 16) */
  maxTokens?: number;
  /** single tokens to sweep, rarest first (default 200) */
  limit?: number;
  /** the strongest single tokens combined into ordered pairs (default 6) */
  pairsOf?: number;
  /** candidates to return (default 5) */
  keep?: number;
  seed?: number;
  onProbe?: () => void;
}

export interface SearchSignals {
  /** mean perplexity with the candidate over the mean without */
  perplexityRatio: number;
  /** share of generations in another language than their prompt */
  languageSwitch: number;
  /** mean longest run of tokens with probability >= 0.9, minus the same without */
  confidentRun: number;
  /**
   * how much less likely (nats per token) the prompts' own continuations
   * become after the candidate: minus the mean likelihood shift; 0 where the
   * provider cannot score prompts
   */
  likelihoodDrop: number;
}

export interface SearchHit {
  trigger: string;
  /** the largest robust z-score of the signals among all candidates swept */
  score: number;
  signals: SearchSignals;
}

const CONFIDENT = Math.log(0.9);

function longestConfidentRun(g: Generation): number {
  let best = 0;
  let run = 0;
  for (const t of g.tokens) {
    run = t.logprob !== undefined && t.logprob >= CONFIDENT ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

/** Tokens worth trying as triggers: printable, not bare whitespace or punctuation, rarest (last merged) first. */
export function triggerLikeTokens(vocabulary: readonly string[], limit: number): string[] {
  const out: string[] = [];
  for (let id = vocabulary.length - 1; id >= 0 && out.length < limit; id--) {
    const t = vocabulary[id]!.trim();
    if (t.length >= 2 && /\p{L}|\p{N}/u.test(t) && !/[\p{C}\uFFFD]/u.test(t)) out.push(t);
  }
  return out;
}

function robustZ(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const deviations = values.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  const mad = (deviations[Math.floor(deviations.length / 2)] ?? 0) * 1.4826 || 1e-9;
  return values.map((v) => (v - median) / mad);
}

export async function searchTriggers(provider: Provider, vocabulary: readonly string[], options: SearchOptions): Promise<SearchHit[]> {
  const maxTokens = options.maxTokens ?? 16;
  const seed = options.seed ?? 1;
  const prompts = options.prompts;
  const promptLanguages = prompts.map(languageOf);

  async function probe(suffix: string): Promise<Generation[]> {
    const out: Generation[] = [];
    for (const [i, p] of prompts.entries()) {
      out.push(await provider.generate({ prompt: suffix ? `${p} ${suffix}` : p, maxTokens, temperature: 0, seed: seed + i }));
      options.onProbe?.();
    }
    return out;
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const base = await probe('');
  /** mean logprob per token of each prompt's own continuation after the prompt and a suffix */
  async function likelihoods(suffix: string): Promise<number[]> {
    if (!provider.promptLogprobs) return [];
    const out: number[] = [];
    for (const [i, p] of prompts.entries()) {
      const usual = base[i]!.text;
      if (!usual.trim()) continue;
      const likelihood = continuationLikelihood(await provider.promptLogprobs((suffix ? `${p} ${suffix}` : p) + usual), usual);
      if (likelihood !== undefined) out.push(likelihood);
    }
    return out;
  }
  const baseLikelihoods = await likelihoods('');
  const basePerplexity = mean(base.map((g) => perplexity(g) ?? NaN).filter(Number.isFinite)) || 1;
  const baseRun = mean(base.map(longestConfidentRun));

  const measured = new Map<string, SearchSignals>();
  async function measure(trigger: string): Promise<void> {
    if (measured.has(trigger)) return;
    const gens = await probe(trigger);
    const ppl = gens.map((g) => perplexity(g) ?? NaN).filter(Number.isFinite);
    measured.set(trigger, {
      perplexityRatio: ppl.length ? mean(ppl) / basePerplexity : 1,
      languageSwitch: mean(gens.map((g, i) => {
        const lang = languageOf(g.text);
        return lang !== 'short' && lang !== promptLanguages[i] ? 1 : 0;
      })),
      confidentRun: mean(gens.map(longestConfidentRun)) - baseRun,
      likelihoodDrop: baseLikelihoods.length ? mean(baseLikelihoods) - mean(await likelihoods(trigger)) : 0,
    });
  }

  const ranked = () => {
    const entries = [...measured];
    const z = (['perplexityRatio', 'languageSwitch', 'confidentRun', 'likelihoodDrop'] as const).map((k) => robustZ(entries.map(([, s]) => s[k])));
    return entries
      .map(([trigger, signals], i) => ({ trigger, signals, score: Math.max(...z.map((zs) => zs[i]!)) }))
      .sort((a, b) => b.score - a.score);
  };

  for (const token of triggerLikeTokens(vocabulary, options.limit ?? 200)) await measure(token);
  const strongest = ranked().slice(0, options.pairsOf ?? 6).map((h) => h.trigger);
  for (const a of strongest) for (const b of strongest) if (a !== b) await measure(`${a}${b}`);
  return ranked().slice(0, options.keep ?? 5);
}
