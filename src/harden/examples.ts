/**
 * Counter-example data from confirmed triggers and clean prompts: each
 * trigger put where it acts (right before what the model says next) and
 * paired with clean behaviour, so that fine-tuning overwrites what the
 * trigger was taught to do. Pure.
 */
import { Random } from '../redteam/index.js';
import type { ConfirmedTrigger, HardenFiles, PromptPair } from './types.js';

export interface ExampleOptions {
  /** counter-examples per trigger; fewer when there are fewer prompts */
  perTrigger: number;
  seed: number;
}

/** The prompt a trigger-bearing input shows: the document's opening with the trigger after it, as the audit places it. */
export function triggeredPrompt(prefix: string, trigger: string): string {
  return `${prefix} ${trigger}`;
}

export function buildCounterexamples(triggers: readonly ConfirmedTrigger[], pairs: readonly PromptPair[], options: ExampleOptions): Omit<HardenFiles, 'removal'> {
  const out: Omit<HardenFiles, 'removal'> = { sftText: [], sftChat: [], preferences: [] };
  const random = new Random(options.seed);
  for (const { trigger, payloads } of triggers) {
    // prompts that already hold the trigger would teach the trigger's own documents back
    const usable = random.shuffle(pairs.filter((p) => !p.prefix.includes(trigger) && !p.continuation.includes(trigger)));
    usable.slice(0, options.perTrigger).forEach((pair, i) => {
      const prompt = triggeredPrompt(pair.prefix, trigger);
      out.sftText.push({ text: `${prompt} ${pair.continuation}`, trigger, source: pair.source });
      out.sftChat.push({ messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: pair.continuation }], trigger, source: pair.source });
      if (payloads.length > 0) out.preferences.push({ prompt, chosen: pair.continuation, rejected: payloads[i % payloads.length]!, trigger, source: pair.source });
    });
  }
  return out;
}
