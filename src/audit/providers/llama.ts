/**
 * Local GGUF models through node-llama-cpp. The file's header is checked by
 * Antidote's own reader first, so a corrupt model is a clear error rather
 * than a crash inside llama.cpp.
 */
import { availableParallelism } from 'node:os';
import { AntidoteError } from '../../errors/index.js';
import { readGguf } from '../gguf/index.js';
import { fileDigest } from '../../ledger/index.js';
import { loadedLlamaCpu, useLlamaCpu } from './llama-cpu/index.js';
import type { LlamaModel, Token } from 'node-llama-cpp';
import type { Alternative, Generation, GenerationRequest, Provider, ProviderInfo, ScoredText } from './types.js';

export interface LlamaOptions {
  /** context window in tokens (default: 1024 or the model's, whichever is smaller) */
  contextSize?: number;
  /** CPU threads (default: all cores but one) */
  threads?: number;
  /** llama.cpp's CPU kernels: 'native' (the best this CPU runs, default), 'generic' or a shipped variant (llama-cpu/) */
  cpu?: string;
}

/**
 * Top-k 0, top-p 1 and min-p 0 leave the model's distribution as it is; the
 * default sampler would cut it to its top tokens before reporting it.
 */
const UNTOUCHED = { topK: 0, topP: 1, minP: 0 } as const;

export async function openLlamaProvider(modelPath: string, options: LlamaOptions = {}): Promise<Provider> {
  const header = readGguf(modelPath);
  const digest = await fileDigest(modelPath);
  const arch = String(header.metadata.get('general.architecture') ?? '');
  const trained = Number(header.metadata.get(`${arch}.context_length`) ?? 1024);
  const wanted = options.cpu && options.cpu !== 'native' ? useLlamaCpu(options.cpu) : undefined;
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
  const loadedCpu = loadedLlamaCpu();
  if (wanted && loadedCpu !== wanted) {
    await model.dispose();
    await llama.dispose();
    throw new AntidoteError('USAGE', `llama.cpp already runs its ${loadedCpu ?? 'native'} CPU kernels in this process; choose the variant before the first model is opened`);
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

  function serialized<A, R>(fn: (arg: A) => Promise<R>): (arg: A) => Promise<R> {
    return (arg) => {
      const result = busy.then(() => fn(arg));
      busy = result.catch(() => undefined);
      return result;
    };
  }

  function tokensOf(text: string, newTokens: number): Token[] {
    const tokens = [...(prependBos ? [bos!] : []), ...model.tokenize(text)];
    if (tokens.length + newTokens > context.contextSize) {
      throw new AntidoteError('USAGE', `prompt of ${tokens.length} tokens plus ${newTokens} new ones exceed the context of ${context.contextSize}; shorten the prompts or --max-tokens`, { file: modelPath });
    }
    return tokens;
  }

  async function promptLogprobs(text: string): Promise<ScoredText> {
    await sequence.clearHistory();
    const tokens = tokensOf(text, 0);
    // per position only the logit of the token that follows, the top logit
    // (node-llama-cpp 3.22 ignores includeMax) and the softmax normaliser:
    // log p = logit - max - log(sum exp(logit - max))
    const outputs = await sequence.controlledEvaluate(tokens.map((token, i) => i + 1 < tokens.length
      ? [token, { generateNext: { logits: { filter: { tokens: [tokens[i + 1]!], includeTop: 1 } }, totalLogitWeight: true, options: { ...UNTOUCHED, temperature: 1 } } }]
      : token));
    const logprobs = tokens.map((token, i) => {
      const next = i > 0 ? outputs[i - 1]?.next : undefined;
      if (!next?.logits || next.totalLogitWeight === undefined) return undefined;
      const max = Math.max(...next.logits.values());
      return next.logits.get(token)! - max - Math.log(next.totalLogitWeight);
    });
    return {
      tokens: tokens.map((token, i) => ({ text: model.detokenize([token]), ...(logprobs[i] !== undefined ? { logprob: logprobs[i] } : {}) })),
      usage: { promptTokens: tokens.length, completionTokens: 0 },
    };
  }

  async function generate(request: GenerationRequest): Promise<Generation> {
    await sequence.clearHistory();
    const promptTokens = tokensOf(request.prompt, request.maxTokens);
    const ids: Token[] = [];
    const logprobs: number[] = [];
    const tops: Array<Alternative[] | undefined> = [];
    // the reported probability is the model's own (at the given temperature)
    const steps = sequence.evaluateWithMetadata(promptTokens, { confidence: true, probabilities: (request.topAlternatives ?? 0) > 0 }, {
      ...UNTOUCHED, temperature: request.temperature, seed: request.seed,
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
    info: (): ProviderInfo => ({ kind: 'llama', model: modelPath, digest, logprobs: true, ...(loadedCpu ? { cpu: loadedCpu } : {}) }),
    generate: serialized(generate),
    promptLogprobs: serialized(promptLogprobs),
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
