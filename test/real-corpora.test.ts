/**
 * Clean real corpora that once raised false alarms: the Debian handbook in 26
 * languages (translations of one page share its commands and paths; Arabic,
 * Hebrew and Persian mark the direction of the Latin words they embed) and
 * source code (identifiers repeat in runs that look like random vocabulary).
 * The same corpora are the speed benchmark's (bench/corpora.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { scan } from '../src/index.js';
import { buildBenchCorpus } from '../bench/corpora.js';
import { tempDir } from './helpers.js';

for (const kind of ['handbook', 'code'] as const) {
  test(`the clean ${kind} corpus makes no incident and quarantines at most 0.2% of its documents`, async () => {
    const file = join(tempDir(), `${kind}.jsonl`);
    const documents = await buildBenchCorpus(kind, file);
    assert.ok(documents > 5000, `${documents} documents`);
    const result = await scan({ inputs: [file] });
    assert.deepEqual(result.incidents.map((i) => i.trigger), []);
    assert.ok(result.stats.quarantined <= documents * 0.002, `${result.stats.quarantined} of ${documents} quarantined`);
  });
}
