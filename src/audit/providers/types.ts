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

export interface ProviderInfo {
  /** registry name: llama, openai, tgi */
  kind: string;
  /** model name or file */
  model: string;
  /** SHA-256 of the model file, for local models */
  digest?: string;
  /** whether generated tokens come with logprobs */
  logprobs: boolean;
}

export interface Provider {
  info(): ProviderInfo;
  generate(request: GenerationRequest): Promise<Generation>;
  /** the model's tokens as text, by id, where the provider can see them (local models) */
  vocabulary?(): string[];
  close(): Promise<void>;
}
