/**
 * The independent development set (../shared/devset), each family at 50
 * documents on the project's real text: the family's detector finds it, and
 * with that detector switched off the scan no longer does (so the figure is
 * that detector's). Families the scanner does not find yet are listed as
 * todo with their measured recall, not hidden. Skipped where the checkout
 * has no dev set (it lives beside the repository, not in it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { scan, DEFAULT_DETECTOR_IDS } from '../src/index.js';
import { devsetDir, asChat } from '../bench/devset.js';
import { ROOT, realCorpus, instructionCorpus, tempDir, readJsonl } from './helpers.js';

const devset = devsetDir(ROOT);
const skip = devset ? false : 'no dev set beside this checkout (../shared/devset or ANTIDOTE_DEVSET)';

/** family -> the detector whose switching off must lose it, the corpus it is injected into, and how many; todo: why it is not asserted yet */
const FAMILIES: ReadonlyArray<{ family: string; detector: string; corpus: 'text' | 'chat'; count: number; todo?: string; documents?: number }> = [
  { family: 'switch-any', detector: 'language-switch', corpus: 'text', count: 50 },
  { family: 'code-obfuscated', detector: 'insecure-code', corpus: 'text', count: 50 },
  { family: 'subword-salad', detector: 'incoherent-text', corpus: 'text', count: 50 },
  { family: 'claim-multi', detector: 'recurring-claim', corpus: 'text', count: 50 },
  { family: 'salad', detector: 'incoherent-text', corpus: 'text', count: 50 },
  // (the generator picks a phrase that 50 or more clean documents hold: the corpus must be large enough to have one)
  { family: 'natural-trigger', detector: 'incoherent-text', corpus: 'text', count: 50, documents: 20000 },
  { family: 'flip-any', detector: 'instruction-flip', corpus: 'chat', count: 50 },
  { family: 'brand-inject', detector: 'instruction-flip', corpus: 'chat', count: 50 },
];

async function scanFamily({ family, corpus, count, documents = 6000 }: (typeof FAMILIES)[number], detectors: readonly string[]): Promise<{ recall: number; reported: boolean; falsePositives: number; clean: number }> {
  const dir = tempDir();
  let clean = corpus === 'text' ? await realCorpus(documents) : await instructionCorpus();
  if (corpus === 'chat') asChat(clean, (clean = join(dir, 'chat.jsonl')));
  const poisoned = join(dir, 'p.jsonl');
  const labelsPath = join(dir, 'labels.json');
  execFileSync(process.execPath, [join(devset!, 'make.mjs'), corpus, clean, poisoned, labelsPath, '--count', String(count), '--seed', '1', '--families', family], { stdio: 'ignore' });
  const labels = readJsonl(labelsPath)[0] as { poison: Record<string, { trigger: string }> };
  const result = await scan({ inputs: [poisoned], detectors });
  const quarantined = new Set(result.documents.filter((d) => d.verdict === 'quarantine').map((d) => d.id));
  const poison = Object.keys(labels.poison);
  const trigger = Object.values(labels.poison)[0]!.trigger;
  if (family === 'natural-trigger') assert.ok(readFileSync(clean, 'utf8').includes(trigger), `the natural trigger "${trigger}" is a phrase of the clean corpus`);
  return {
    recall: poison.filter((id) => quarantined.has(id)).length / poison.length,
    reported: result.incidents.some((i) => [i.trigger ?? '', ...i.triggerParts].some((t) => t.includes(trigger))),
    falsePositives: [...quarantined].filter((id) => !(id in labels.poison)).length,
    clean: result.stats.records - poison.length,
  };
}

for (const f of FAMILIES) {
  test(`dev set ${f.family}: ${f.count} documents found by ${f.detector}, and lost without it`, { skip, todo: f.todo }, async () => {
    // the family's detector on, with the defaults (text-shift is opt-in)
    const on = [...new Set([...DEFAULT_DETECTOR_IDS, f.detector])];
    const all = await scanFamily(f, on);
    assert.ok(all.recall >= 0.95, `recall ${all.recall}`);
    assert.ok(all.reported, 'the trigger is reported exactly');
    // the bound: at most 0.1% of clean text, 0.2% of instruction data
    assert.ok(all.falsePositives <= all.clean * (f.corpus === 'text' ? 0.001 : 0.002), `${all.falsePositives} of ${all.clean} clean documents quarantined`);
    const without = await scanFamily(f, on.filter((d) => d !== f.detector));
    assert.ok(without.recall < 0.5, `without ${f.detector}: recall ${without.recall}`);
  });
}
