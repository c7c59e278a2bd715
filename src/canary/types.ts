/** Canaries: benign records carrying unique random secrets, planted to measure memorisation. */

export interface Canary {
  id: string;
  /** the text before the secret, unique to this canary */
  prefix: string;
  /** random digits in groups, drawn from the format's space */
  secret: string;
  /** how many records carry it */
  copies: number;
}

/** The file `canary plant` writes and `audit --canaries` reads; it holds the secrets, so keep it out of the corpus. */
export interface CanaryFile {
  version: 'antidote-canaries/1';
  /** digit groups of every secret, e.g. [4, 4, 4]: the space candidates are drawn from */
  format: number[];
  canaries: Canary[];
}

/** How strongly a model memorised one canary, as in "The Secret Sharer" (Carlini et al., 2019). */
export interface CanaryExposure {
  id: string;
  copies: number;
  /** mean log-probability per token the model gives the secret after its prefix */
  logprob: number;
  /** candidates (random secrets of the same format) scored, and how many the model found likelier than the canary */
  candidates: number;
  likelier: number;
  /** exposure by rank among the sampled candidates: log2(space) - log2(rank) estimated as -log2((likelier + 1) / (candidates + 1)); at most log2(candidates + 1) */
  rankExposure: number;
  /** exposure by a normal fit to the candidates' log-probabilities: -log2 of the fitted share of secrets likelier than the canary */
  fittedExposure: number;
  /** log2 of the number of possible secrets: the most exposure can be */
  maxExposure: number;
}

export interface CanaryReport {
  canaries: CanaryExposure[];
  /** median exposure by copy count, fewest copies first */
  byCopies: Array<{ copies: number; canaries: number; medianFittedExposure: number; medianRankExposure: number }>;
}
