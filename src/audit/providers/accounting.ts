/**
 * Wraps a provider with a response cache on disk and token/cost accounting.
 * A cached answer is keyed by the provider, the model (with the file's digest
 * for local models) and the whole request, so a changed model never hits a
 * stale entry.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Generation, GenerationRequest, Provider, ScoredText } from './types.js';

export interface Usage {
  requests: number;
  cached: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
  /** only when a price was given */
  costUsd?: number;
}

export interface AccountingOptions {
  cacheDir?: string;
  /** price per 1000 tokens, prompt and completion alike */
  pricePer1kTokens?: number;
}

export interface AccountedProvider extends Provider {
  usage(): Usage;
}

export function withAccounting(provider: Provider, options: AccountingOptions = {}): AccountedProvider {
  const usage: Usage = { requests: 0, cached: 0, failed: 0, promptTokens: 0, completionTokens: 0 };
  const info = provider.info();
  const keyOf = (request: unknown) =>
    createHash('sha256').update(JSON.stringify({ kind: info.kind, model: info.model, digest: info.digest, request })).digest('hex');

  function cached<Q, A extends Generation | ScoredText>(call: (request: Q) => Promise<A>, keyed: (request: Q) => unknown) {
    return async (request: Q): Promise<A> => {
      usage.requests++;
      const file = options.cacheDir ? join(options.cacheDir, `${keyOf(keyed(request))}.json`) : undefined;
      if (file) {
        const hit = await readFile(file, 'utf8').then((t) => JSON.parse(t) as A, () => undefined);
        if (hit) {
          usage.cached++;
          return { ...hit, cached: true };
        }
      }
      let answer: A;
      try {
        answer = await call(request);
      } catch (error) {
        usage.failed++;
        throw error;
      }
      usage.promptTokens += answer.usage.promptTokens;
      usage.completionTokens += answer.usage.completionTokens;
      if (file) {
        await mkdir(options.cacheDir!, { recursive: true });
        // written whole, then renamed, so a killed run leaves no half entry
        await writeFile(`${file}.tmp`, JSON.stringify(answer));
        await rename(`${file}.tmp`, file);
      }
      return answer;
    };
  }

  return {
    info: () => provider.info(),
    generate: cached((request: GenerationRequest) => provider.generate(request), (request) => request),
    ...(provider.promptLogprobs ? { promptLogprobs: cached((text: string) => provider.promptLogprobs!(text), (text) => ({ promptLogprobs: text })) } : {}),
    ...(provider.vocabulary ? { vocabulary: () => provider.vocabulary!() } : {}),
    close: () => provider.close(),
    usage: () => ({
      ...usage,
      ...(options.pricePer1kTokens !== undefined ? { costUsd: ((usage.promptTokens + usage.completionTokens) / 1000) * options.pricePer1kTokens } : {}),
    }),
  };
}
