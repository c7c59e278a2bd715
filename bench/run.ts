/**
 * `npm run bench`: speed, memory and detection figures on real text.
 *
 * Speed: JSONL inputs of about 256 MB, 512 MB and 1 GB made from the real-text
 * corpus, each scanned in a fresh process with all default detectors. Printed:
 * MB/s, peak memory, the ratio of scan time to merely reading and JSON-parsing
 * the same file, and how time grows when the input doubles.
 * Detection: every text family injected at 50 and 250 documents into the
 * 60k-document corpus: recall, clean documents quarantined, exact trigger.
 *
 * Options: --sizes 256,512,1024 (MB) --counts 50,250 --skip-speed --skip-detection
 */
import { existsSync, createReadStream, createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildCorpus } from '../scripts/build-corpus.js';
import { writeInstructions } from '../scripts/instruction-data.js';
import { inject, FAMILIES } from '../src/redteam/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORK = join(ROOT, '.bench');
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

interface ScanFigures {
  elapsedMs: number;
  peakRss: number;
  records: number;
  bytes: number;
  passMs: Record<string, number>;
  incidents: Array<{ trigger: string | null; documents: number }>;
  quarantined: string[];
}

function scanInChild(file: string): ScanFigures {
  const out = execFileSync(process.execPath, [join(ROOT, 'dist/bench/scan-one.js'), file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return JSON.parse(out);
}

async function readAndParse(file: string): Promise<number> {
  const started = Date.now();
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) if (line) JSON.parse(line);
  return Date.now() - started;
}

/** The corpus repeated (with fresh ids) until it reaches `mb` megabytes. */
async function grow(clean: string, mb: number, out: string): Promise<void> {
  if (existsSync(out)) return;
  const lines = readFileSync(clean, 'utf8').split('\n').filter(Boolean);
  const stream = createWriteStream(out);
  let written = 0;
  for (let copy = 0; written < mb * 1e6; copy++) {
    for (const line of lines) {
      const record = JSON.parse(line);
      record.id = `${record.id}-${copy}`;
      const text = JSON.stringify(record) + '\n';
      written += Buffer.byteLength(text);
      if (!stream.write(text)) await once(stream, 'drain');
      if (written >= mb * 1e6) break;
    }
  }
  stream.end();
  await once(stream, 'finish');
}

const mb = (bytes: number) => bytes / 1e6;
const pad = (s: string | number, n: number) => String(s).padStart(n);

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const clean = join(WORK, 'clean-60k.jsonl');
  if (!existsSync(clean)) {
    process.stdout.write('building the 60k-document real-text corpus from Debian packages...\n');
    await buildCorpus({ out: clean, size: 60000 });
  }
  process.stdout.write(`corpus: ${clean} (${mb(statSync(clean).size).toFixed(1)} MB, 60,000 documents: Python docs, German/French manual pages, GCIDE dictionary, fortunes in en/de/es/it)\n\n`);

  if (!args.includes('--skip-speed')) {
    const sizes = (flag('sizes') ?? '256,512,1024').split(',').map(Number);
    process.stdout.write('## Speed (JSONL, all default detectors, 2 worker threads)\n\n');
    process.stdout.write('| input MB | records | read+parse s | scan s | MB/s | scan/read ratio | peak RSS MiB | passes (analyse/count) s |\n|---:|---:|---:|---:|---:|---:|---:|---|\n');
    const times: number[] = [];
    for (const size of sizes) {
      const file = join(WORK, `speed-${size}.jsonl`);
      await grow(clean, size, file);
      const base = await readAndParse(file);
      const r = scanInChild(file);
      times.push(r.elapsedMs);
      process.stdout.write(`| ${pad(mb(r.bytes).toFixed(0), 6)} | ${pad(r.records, 9)} | ${(base / 1000).toFixed(2)} | ${(r.elapsedMs / 1000).toFixed(2)} | ${(mb(r.bytes) / (r.elapsedMs / 1000)).toFixed(1)} | ${(r.elapsedMs / base).toFixed(2)} | ${(r.peakRss / 2 ** 20).toFixed(0)} | ${(r.passMs.analyse! / 1000).toFixed(2)} / ${(r.passMs.count! / 1000).toFixed(2)} |\n`);
    }
    for (let i = 1; i < sizes.length; i++) {
      if (sizes[i] === sizes[i - 1]! * 2) process.stdout.write(`\ndoubling ${sizes[i - 1]} -> ${sizes[i]} MB: time x${(times[i]! / times[i - 1]!).toFixed(2)}`);
    }
    process.stdout.write('\n\n');
  }

  if (!args.includes('--skip-detection')) {
    const counts = (flag('counts') ?? '50,250').split(',').map(Number);
    const instructions = join(WORK, 'instructions-20k.jsonl');
    if (!existsSync(instructions)) await writeInstructions(instructions, 20000);
    process.stdout.write('## Detection (each family injected alone: text families into the 60,000-document corpus, instruction families into 20,000 instruction records built from the same real text)\n\n| family | poison docs | recall | clean quarantined | clean FP rate | trigger exact | scan s |\n|---|---:|---:|---:|---:|---|---:|\n');
    for (const family of FAMILIES) {
      for (const count of counts) {
        const poisoned = join(WORK, `det-${family.id}-${count}.jsonl`);
        const base = family.shape === 'instruction' ? instructions : clean;
        const { labels } = await inject({ family: family.id, count, into: [base], out: poisoned, seed: 1000 + count });
        const r = scanInChild(poisoned);
        const poison = new Set(labels.map((l) => l.id));
        const quarantined = new Set(r.quarantined);
        const caught = labels.filter((l) => quarantined.has(l.id)).length;
        const falsePositives = r.quarantined.filter((id) => !poison.has(id)).length;
        const triggers = [...new Set(labels.map((l) => l.trigger))];
        const exact = triggers.filter((t) => r.incidents.some((i) => i.trigger === t)).length;
        const exactCell = triggers.every((t) => t === null) ? 'n/a (no trigger)' : `${exact}/${triggers.length}`;
        process.stdout.write(`| ${family.id} | ${count} | ${(caught / count).toFixed(3)} | ${falsePositives} | ${((falsePositives / (r.records - count)) * 100).toFixed(3)}% | ${exactCell} | ${(r.elapsedMs / 1000).toFixed(1)} |\n`);
      }
    }
    process.stdout.write('\n');
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
