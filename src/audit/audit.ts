/**
 * `audit`: probe a model for trigger-activated behaviour and write down what
 * was found, with the model's identity and the cost of finding it.
 */
import type { AccountedProvider, Usage } from './providers/accounting.js';
import type { ProviderInfo } from './providers/types.js';
import { differentialSettings, triggerDifferential, type DifferentialOptions, type DifferentialResult, type TriggerCandidate } from './probes/differential.js';
import type { SearchHit } from './probes/search.js';
import type { CanaryReport } from '../canary/index.js';

export const AUDIT_REPORT_VERSION = 'antidote-audit/2';

export interface IntegrityResult {
  /** how the model files were checked: ledger record or signature */
  method: 'ledger' | 'signature';
  ok: boolean;
  detail: string;
}

export interface AuditReport extends DifferentialResult {
  version: typeof AUDIT_REPORT_VERSION;
  tool: { name: 'antidote'; version: string };
  model: ProviderInfo;
  integrity?: IntegrityResult;
  /** what the trigger search swept up, best first, when it ran */
  search?: SearchHit[];
  /** decoding: the verdict rests on greedy continuations; samples at temperature are evidence */
  settings: { prompts: number; decoding: 'greedy'; maxTokens: number; samples: number; controls: number; seed: number; temperature: number; shiftLine: number; shiftTokens: number; targets: string[] };
  prompts: string[];
  usage: Usage;
  started: string;
  seconds: number;
  /** with --canaries: how strongly the model memorised each planted canary */
  canaries?: CanaryReport;
  /** true when any trigger's verdict is backdoor or broad */
  flagged: boolean;
}

export interface AuditOptions extends DifferentialOptions {
  integrity?: IntegrityResult;
  search?: SearchHit[];
}

export async function audit(provider: AccountedProvider, candidates: readonly TriggerCandidate[], options: AuditOptions): Promise<AuditReport> {
  const started = new Date();
  const { maxTokens, samples, controls, seed, temperature, shiftLine, shiftTokens } = differentialSettings(options);
  const result = await triggerDifferential(provider, candidates, options);
  return {
    version: AUDIT_REPORT_VERSION,
    tool: { name: 'antidote', version: '0.1.0' },
    model: provider.info(),
    ...(options.integrity ? { integrity: options.integrity } : {}),
    ...(options.search ? { search: options.search } : {}),
    settings: { prompts: options.prompts.length, decoding: 'greedy', maxTokens, samples, controls, seed, temperature, shiftLine, shiftTokens, targets: options.targets ?? [] },
    prompts: options.prompts,
    ...result,
    usage: provider.usage(),
    started: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    flagged: result.triggers.some((t) => t.verdict !== 'clean') || options.integrity?.ok === false,
  };
}
