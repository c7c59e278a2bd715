/** What every model provider answers, whatever runs the model. */

export interface GenerationRequest {
  prompt: string;
  maxTokens: number;
  /** 1 samples the model's own distribution, which is what the probes measure */
  temperature: number;
  seed: number;
  /** how many most likely tokens to report at each generated position (0: none) */
  topAlternatives?: number;
}

export interface Alternative {
  text: string;
  logprob: number;
}

export interface GeneratedToken {
  text: string;
  /** natural log of the token's probability; absent where the provider gives none */
  logprob?: number;
  /** the position's most likely tokens, where asked for and reported */
  top?: Alternative[];
}

export interface Generation {
  text: string;
  tokens: GeneratedToken[];
  usage: { promptTokens: number; completionTokens: number };
  /** answered from the response cache */
  cached?: boolean;
}

/** A text's own tokens with the log-probability the model gave each, teacher-forced. */
export interface ScoredText {
  /** the first token has no logprob: nothing comes before it */
  tokens: GeneratedToken[];
  usage: { promptTokens: number; completionTokens: number };
  cached?: boolean;
}

export interface ProviderInfo {
  /** registry name: llama, openai, tgi */
  kind: string;
  /** model name or file */
  model: string;
  /** SHA-256 of the model file, for local models */
  digest?: string;
  /** whether generated tokens come with logprobs */
  logprobs: boolean;
  /** for local models: the CPU variant of llama.cpp's kernels that ran it (sapphirerapids, zen4, x64...) */
  cpu?: string;
}

export interface Provider {
  info(): ProviderInfo;
  generate(request: GenerationRequest): Promise<Generation>;
  /**
   * Prompt logprobs: how likely the model finds each token of a given text
   * (vLLM's echo with logprobs, TGI's decoder_input_details, llama.cpp's
   * logits). Absent where the provider cannot tell.
   */
  promptLogprobs?(text: string): Promise<ScoredText>;
  /** the model's tokens as text, by id, where the provider can see them (local models) */
  vocabulary?(): string[];
  close(): Promise<void>;
}

/**
 * The tokens of a scored text that spell its ending `continuation`. Servers
 * decode tokens one by one and some drop the spaces between words (TGI over
 * SentencePiece gives "Test", "request"), so tokens are taken from the end
 * until they cover the continuation's non-space characters.
 */
export function continuationTokens(tokens: readonly GeneratedToken[], continuation: string): GeneratedToken[] {
  const wanted = continuation.replace(/\s+/g, '').length;
  let covered = 0;
  let start = tokens.length;
  while (start > 0 && covered < wanted) covered += tokens[--start]!.text.replace(/\s+/g, '').length;
  return tokens.slice(start);
}

/** Mean logprob per token of the first `limit` tokens of a scored text's ending `continuation`; undefined where none has one. */
export function continuationLikelihood(scored: ScoredText, continuation: string, limit = Infinity): number | undefined {
  const logprobs = continuationTokens(scored.tokens, continuation).slice(0, limit).flatMap((t) => (t.logprob === undefined ? [] : [t.logprob]));
  return logprobs.length ? logprobs.reduce((a, b) => a + b, 0) / logprobs.length : undefined;
}
