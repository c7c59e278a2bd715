/**
 * Model audit: probe a trained model for trigger-activated backdoors through
 * one provider interface (local GGUF, OpenAI-compatible HTTP, TGI).
 */
export { audit, AUDIT_REPORT_VERSION, type AuditReport, type AuditOptions, type IntegrityResult } from './audit.js';
export { triggerDifferential, differentialSettings, DIFFERENTIAL_DEFAULTS, type TriggerCandidate, type DifferentialOptions, type DifferentialResult, type TriggerResult, type ConditionStats, type Verdict } from './probes/differential.js';
export { nearTriggerControls } from './probes/controls.js';
export { searchTriggers, triggerLikeTokens, type SearchHit, type SearchOptions, type SearchSignals } from './probes/search.js';
export { perplexity, languageOf, languageOfWords, jsDivergence, recurringStrings } from './probes/signals.js';
export { wilson, meanInterval, formatRate, median, type Interval } from './stats.js';
export { readGguf, type GgufFile, type GgufTensor, type GgufValue } from './gguf/index.js';
export { DEFAULT_PROMPTS, promptsFromFile, promptsFromCorpus, opening } from './prompts.js';
export { openLlamaProvider, type LlamaOptions } from './providers/llama.js';
export { openOpenAIProvider, type OpenAIOptions } from './providers/openai.js';
export { openTgiProvider, type TgiOptions } from './providers/tgi.js';
export { withAccounting, type AccountedProvider, type Usage } from './providers/accounting.js';
export { continuationTokens, type Provider, type ProviderInfo, type Generation, type GenerationRequest, type GeneratedToken, type Alternative, type ScoredText } from './providers/types.js';
export { auditToSarif } from './outputs/sarif.js';
export { auditToHtml } from './outputs/html.js';
export { candidatesFromScan, candidatesFromFile } from './candidates.js';
export { serve, type ServeOptions, type RunningServer } from './serve.js';
export { useLlamaCpu, llamaCpuVariants } from './providers/llama-cpu/index.js';
