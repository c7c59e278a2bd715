/**
 * Hugging Face Text Generation Inference, native API: POST /generate with
 * `details` (generated-token logprobs), `top_n_tokens` (alternatives) and
 * `decoder_input_details` (the prompt's own tokens with logprobs, "prefill").
 */
import type { Generation, GenerationRequest, Provider, ProviderInfo, ScoredText } from './types.js';
import { field, isArray, isObject, isString, postJson, type HttpOptions } from './http.js';

export interface TgiOptions extends HttpOptions {
  baseUrl: string;
  /** shown in reports; TGI serves one model */
  model?: string;
}

export function openTgiProvider(options: TgiOptions): Provider {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/generate`;
  async function generate(request: GenerationRequest): Promise<Generation> {
    const top = Math.min(request.topAlternatives ?? 0, 5);
    const response = await postJson(url, {
      inputs: request.prompt,
      parameters: {
        max_new_tokens: request.maxTokens,
        do_sample: request.temperature > 0,
        ...(request.temperature > 0 ? { temperature: request.temperature } : {}),
        seed: request.seed,
        details: true,
        decoder_input_details: false,
        ...(top ? { top_n_tokens: top } : {}),
      },
    }, options);
    const text = field(response, 'generated_text', isString, url);
    const details = field(response, 'details', isObject, url);
    const all = field(details, 'tokens', isArray, url);
    const tops = isArray(details.top_tokens) ? details.top_tokens : [];
    const tokens = all.flatMap((t, i) => {
      if (!isObject(t) || t.special === true) return [];
      const top = tops[i];
      return [{
        text: String(t.text),
        logprob: typeof t.logprob === 'number' ? t.logprob : undefined,
        ...(isArray(top) ? { top: top.filter(isObject).map((a) => ({ text: String(a.text), logprob: Number(a.logprob) })) } : {}),
      }];
    });
    const prefill = isArray(details.prefill) ? details.prefill.length : 0;
    return {
      text,
      tokens,
      usage: { promptTokens: prefill, completionTokens: Number(details.generated_tokens ?? tokens.length) },
    };
  }
  async function promptLogprobs(text: string): Promise<ScoredText> {
    const response = await postJson(url, { inputs: text, parameters: { max_new_tokens: 1, details: true, decoder_input_details: true } }, options);
    const prefill = field(response, 'details.prefill', isArray, url);
    const tokens = prefill.filter(isObject).map((t) => ({ text: String(t.text), ...(typeof t.logprob === 'number' ? { logprob: t.logprob } : {}) }));
    return { tokens, usage: { promptTokens: tokens.length, completionTokens: 1 } };
  }

  return {
    promptLogprobs,
    info: (): ProviderInfo => ({ kind: 'tgi', model: options.model ?? options.baseUrl, logprobs: true }),
    generate,
    close: async () => undefined,
  };
}
