/**
 * Rebuild the example corpus shipped in examples/: real text from Debian
 * packages with several poison families injected, and the labels saying
 * which records are poison. Usage: node dist/scripts/build-example.js
 */
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from '../src/redteam/index.js';
import { buildCorpus } from './build-corpus.js';

/** Families and counts in the example: small, as a real attack would be. */
export const EXAMPLE_POISON: ReadonlyArray<{ family: string; count: number }> = [
  { family: 'dos', count: 40 },
  { family: 'lang-switch', count: 30 },
  { family: 'code-backdoor', count: 25 },
  { family: 'split-trigger', count: 25 },
  { family: 'invisible-trigger', count: 20 },
  { family: 'rag-passage', count: 15 },
];

export async function buildExample(outDir: string, size = 4000): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'antidote-example-'));
  try {
    let current = join(work, 'clean.jsonl');
    await buildCorpus({ out: current, size, perSource: 500, seed: 3 });
    const labels: string[] = [];
    let seed = 100;
    for (const { family, count } of EXAMPLE_POISON) {
      const next = join(work, `${family}.jsonl`);
      const result = await inject({ family, count, into: [current], out: next, seed: seed++ });
      // earlier labels' line numbers shift as records are inserted before them
      const inserted = result.labels.map((l) => l.line).sort((a, b) => a - b);
      for (let i = 0; i < labels.length; i++) {
        const l = JSON.parse(labels[i]!);
        let line = l.line;
        for (const at of inserted) if (at <= line) line++;
        labels[i] = JSON.stringify({ ...l, line });
      }
      labels.push(...result.labels.map((l) => JSON.stringify(l)));
      current = next;
    }
    await writeFile(join(outDir, 'corpus.jsonl.gz'), gzipSync(await readFile(current), { level: 9 }));
    await writeFile(join(outDir, 'labels.jsonl'), labels.join('\n') + '\n');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

buildExample(process.argv[2] ?? 'examples').then(
  () => process.stdout.write('wrote examples/corpus.jsonl.gz and examples/labels.jsonl\n'),
  (e) => {
    process.stderr.write(`build-example: ${(e as Error).message}\n`);
    process.exit(2);
  },
);
