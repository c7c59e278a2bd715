/**
 * Local GGUF models through node-llama-cpp. The file's header is checked by
 * Antidote's own reader first, so a corrupt model is a clear error rather
 * than a crash inside llama.cpp.
 */
import { availableParallelism } from 'node:os';
import { AntidoteError } from '../../errors/index.js';
import { readGguf } from '../gguf/index.js';
import { fileDigest } from '../../ledger/index.js';
import type { LlamaModel, Token } from 'node-llama-cpp';
import type { Alternative, Generation, GenerationRequest, Provider, ProviderInfo } from './types.js';

export interface LlamaOptions {
  /** context window in tokens (default: 1024 or the model's, whichever is smaller) */
  contextSize?: number;
  /** CPU threads (default: all cores but one) */
  threads?: number;
}

export async function openLlamaProvider(modelPath: string, options: LlamaOptions = {}): Promise<Provider> {
  const header = readGguf(modelPath);
  const digest = await fileDigest(modelPath);
  const arch = String(header.metadata.get('general.architecture') ?? '');
  const trained = Number(header.metadata.get(`${arch}.context_length`) ?? 1024);
  // loaded on first use: the rest of the CLI starts without llama.cpp
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, progressLogs: false });
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath });
  } catch (error) {
    await llama.dispose();
    throw new AntidoteError('MODEL_FORMAT', `llama.cpp could not load the model: ${(error as Error).message}`, { file: modelPath });
  }
  // llama.cpp's threads spin while they wait for each other: with as many
  // threads as cores, anything else running stalls a generation for long
  // stretches (measured here: 2 threads on 2 cores ran 60 times slower than 1)
  const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
  const context = await model.createContext({ contextSize: options.contextSize ?? Math.min(1024, trained), threads });
  // one sequence, one request at a time: on a CPU one generation already keeps the threads busy
  const sequence = context.getSequence();
  let busy: Promise<unknown> = Promise.resolve();
  const bos = model.tokens.bos;
  const prependBos = bos !== null && model.tokens.shouldPrependBosToken;

  function run(request: GenerationRequest): Promise<Generation> {
    const result = busy.then(() => generate(request));
    busy = result.catch(() => undefined);
    return result;
  }

  async function generate(request: GenerationRequest): Promise<Generation> {
    await sequence.clearHistory();
    const promptTokens = [...(prependBos ? [bos!] : []), ...model.tokenize(request.prompt)];
    if (promptTokens.length + request.maxTokens > context.contextSize) {
      throw new AntidoteError('USAGE', `prompt of ${promptTokens.length} tokens plus ${request.maxTokens} new ones exceed the context of ${context.contextSize}; shorten the prompts or --max-tokens`, { file: modelPath });
    }
    const ids: Token[] = [];
    const logprobs: number[] = [];
    const tops: Array<Alternative[] | undefined> = [];
    // top-k 0, top-p 1 and min-p 0 leave the distribution untouched, so the
    // reported probability is the model's own (at the given temperature)
    const steps = sequence.evaluateWithMetadata(promptTokens, { confidence: true, probabilities: (request.topAlternatives ?? 0) > 0 }, {
      temperature: request.temperature, topK: 0, topP: 1, minP: 0, seed: request.seed,
    });
    for await (const step of steps) {
      if (model.isEogToken(step.token)) break;
      tops.push('probabilities' in step ? [...(step.probabilities as Map<Token, number>)].slice(0, request.topAlternatives)
        .map(([token, p]) => ({ text: model.detokenize([token]), logprob: Math.log(p) })) : undefined);
      ids.push(step.token);
      logprobs.push(Math.log(step.confidence));
      if (ids.length >= request.maxTokens) break;
    }
    return {
      text: model.detokenize(ids),
      tokens: ids.map((id, i) => ({ text: model.detokenize([id]), logprob: logprobs[i], ...(tops[i] ? { top: tops[i] } : {}) })),
      usage: { promptTokens: promptTokens.length, completionTokens: ids.length },
    };
  }

  return {
    info: (): ProviderInfo => ({ kind: 'llama', model: modelPath, digest, logprobs: true }),
    generate: run,
    vocabulary: () => {
      const size = (header.metadata.get('tokenizer.ggml.tokens') as unknown[] | undefined)?.length ?? 0;
      return Array.from({ length: size }, (_, id) => model.detokenize([id as Token]));
    },
    async close() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
