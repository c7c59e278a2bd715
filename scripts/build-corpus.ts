/**
 * Assemble a clean, real-text corpus from Debian packages (see
 * corpus-sources.ts): several genres, several languages, deterministic for a
 * seed. Usage: node dist/scripts/build-corpus.js OUT.jsonl [--size N] [--seed S]
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Random } from '../src/redteam/index.js';
import { allSources, DEBIAN_PACKAGES, type SourceDoc } from './corpus-sources.js';

export interface BuildOptions {
  out: string;
  /** documents wanted; the dictionary fills what the other sources leave */
  size: number;
  seed?: number;
  /** cap per source, so that small builds still mix every genre and language */
  perSource?: number;
}

export async function buildCorpus(options: BuildOptions): Promise<{ documents: number; bySource: Record<string, number> }> {
  const random = new Random(options.seed ?? 7);
  const perSource = options.perSource ?? Infinity;
  const picked: Array<SourceDoc & { group: string }> = [];
  const bySource: Record<string, number> = {};
  let dictionary: SourceDoc[] = [];
  for (const source of allSources()) {
    const docs = [...source.docs()];
    if (source.name === 'gcide') {
      dictionary = docs;
      continue;
    }
    random.shuffle(docs);
    for (const d of docs.slice(0, perSource)) picked.push({ ...d, group: source.name });
    bySource[source.name] = Math.min(docs.length, perSource);
  }
  random.shuffle(dictionary);
  const fromDictionary = Math.max(0, Math.min(dictionary.length, options.size - picked.length, perSource === Infinity ? Infinity : perSource * 3));
  for (const d of dictionary.slice(0, fromDictionary)) picked.push({ ...d, group: 'gcide' });
  bySource.gcide = fromDictionary;
  if (picked.length === 0) {
    throw new Error(`no source text found; install the Debian packages: apt-get install -y ${DEBIAN_PACKAGES.join(' ')}`);
  }
  random.shuffle(picked);
  const docs = picked.slice(0, options.size);
  const out = createWriteStream(options.out);
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i]!;
    const line = JSON.stringify({ id: `d${String(i + 1).padStart(7, '0')}`, text: d.text, source: d.source, genre: d.genre });
    if (!out.write(line + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { documents: docs.length, bySource };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith('--'));
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  if (!out) {
    process.stderr.write('usage: build-corpus OUT.jsonl [--size N] [--seed S] [--per-source N]\n');
    process.exit(2);
  }
  buildCorpus({ out, size: flag('size') ?? 60000, seed: flag('seed'), perSource: flag('per-source') }).then(
    (r) => process.stdout.write(`wrote ${out}: ${r.documents} documents ${JSON.stringify(r.bySource)}\n`),
    (e) => {
      process.stderr.write(`build-corpus: ${(e as Error).message}\n`);
      process.exit(2);
    },
  );
}
