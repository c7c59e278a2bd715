/**
 * Wraps a provider with a response cache on disk and token/cost accounting.
 * A cached answer is keyed by the provider, the model (with the file's digest
 * for local models) and the whole request, so a changed model never hits a
 * stale entry.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Generation, GenerationRequest, Provider } from './types.js';

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
  const keyOf = (request: GenerationRequest) =>
    createHash('sha256').update(JSON.stringify({ kind: info.kind, model: info.model, digest: info.digest, request })).digest('hex');

  async function generate(request: GenerationRequest): Promise<Generation> {
    usage.requests++;
    const file = options.cacheDir ? join(options.cacheDir, `${keyOf(request)}.json`) : undefined;
    if (file) {
      const hit = await readFile(file, 'utf8').then((t) => JSON.parse(t) as Generation, () => undefined);
      if (hit) {
        usage.cached++;
        return { ...hit, cached: true };
      }
    }
    let generation: Generation;
    try {
      generation = await provider.generate(request);
    } catch (error) {
      usage.failed++;
      throw error;
    }
    usage.promptTokens += generation.usage.promptTokens;
    usage.completionTokens += generation.usage.completionTokens;
    if (file) {
      await mkdir(options.cacheDir!, { recursive: true });
      // written whole, then renamed, so a killed run leaves no half entry
      await writeFile(`${file}.tmp`, JSON.stringify(generation));
      await rename(`${file}.tmp`, file);
    }
    return generation;
  }

  return {
    info: () => provider.info(),
    generate,
    ...(provider.vocabulary ? { vocabulary: () => provider.vocabulary!() } : {}),
    close: () => provider.close(),
    usage: () => ({
      ...usage,
      ...(options.pricePer1kTokens !== undefined ? { costUsd: ((usage.promptTokens + usage.completionTokens) / 1000) * options.pricePer1kTokens } : {}),
    }),
  };
}
