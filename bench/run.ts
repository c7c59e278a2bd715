/**
 * `npm run bench`: speed, memory and detection figures on real text.
 *
 * Speed: JSONL inputs of about 256 MB, 512 MB and 1 GB made from each corpus
 * (the project's real-text corpus, and those of bench/corpora.ts: the Debian
 * handbook in 26 languages, source code, and an adversarial one built to make
 * many candidate triggers), each scanned in a fresh process with all default
 * detectors. Printed: MB/s, peak memory, each pass's time, the ratio of scan
 * time to merely reading and JSON-parsing the same file, and how time grows
 * when the input doubles.
 * Detection: every family injected at each count (default 25..500), scored
 * beside exact dedup, MinHash and a perplexity filter (`antidote bench`).
 *
 * Ledger: `add` of 100k and 1M real-text documents into a fresh SQLite ledger
 * (records/s, peak memory), receipt building and offline checking per entry,
 * and a full `verify`.
 *
 * Options: --sizes 256,512,1024 (MB) --corpora own,handbook,code,adversarial --keep-speed-files --counts 25,50,100,250,500 --families dos,false-fact (all by default) --ledger-docs 100000,1000000
 *          --devset-counts 25,50,250,1000 --devset-seeds 1,2,3 --devset-detectors a,b (defaults) --devset-corpora text,chat
 *          --skip-speed --skip-scale --skip-detection --skip-devset --skip-ledger --skip-audit --skip-guard --skip-review --skip-monitor
 *
 * Scale-out: the own corpus at 1 GB (--scale-mb) through a Redis queue with
 * 1, 2 and 4 worker processes, beside the single-process scan
 * (bench/scale-out.ts).
 *
 * Guard: the proxy's added latency, throughput and memory against an upstream
 * answering at once (bench/guard.ts; ANTIDOTE_GUARD_SOAK_S sets the sustained
 * run, 60 s by default).
 *
 * Monitor: precision and recall of `antidote monitor` on the lab's training
 * runs' loss logs (bench/monitor.ts).
 *
 * Review: the review server's routes, p50/p95, with 10,000 incidents over a
 * ledger of 1M documents (bench/review.ts; --review-docs, --review-incidents).
 *
 * Dev set: the independent generator in ../shared/devset (see bench/devset.ts),
 * every family at each count and seed, on the 20,000-document text corpus and
 * the instruction corpus, in one table.
 */
import { existsSync, createReadStream, createWriteStream, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildCorpus } from '../scripts/build-corpus.js';
import { writeInstructions } from '../scripts/instruction-data.js';
import { runBench, benchMarkdown, benchHtml } from '../src/redteam/index.js';
import { asChat, devsetDir, devsetMarkdown, runDevset } from './devset.js';
import { buildBenchCorpus, CORPORA, type CorpusKind } from './corpora.js';
import { guardBench } from './guard.js';
import { guardScreensBench } from './guard-screens.js';
import { scaleOutBench } from './scale-out.js';
import { reviewBench } from './review.js';
import { monitorBench } from './monitor.js';
import { canaryBench } from './canary.js';

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
  candidates: { counted: number; cut: number };
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

/** The corpus repeated (with fresh ids, `<id>-<copy>`) until `enough(records, bytes)` says stop. */
async function grow(clean: string, out: string, enough: (records: number, bytes: number) => boolean): Promise<void> {
  if (existsSync(out)) return;
  const lines = readFileSync(clean, 'utf8').split('\n').filter(Boolean);
  // written aside and renamed when whole: a run stopped half way leaves no short file behind
  const partial = `${out}.partial`;
  const stream = createWriteStream(partial);
  let records = 0;
  let bytes = 0;
  for (let copy = 0; !enough(records, bytes); copy++) {
    for (const line of lines) {
      const record = JSON.parse(line);
      record.id = `${record.id}-${copy}`;
      const text = JSON.stringify(record) + '\n';
      bytes += Buffer.byteLength(text);
      records++;
      if (!stream.write(text)) await once(stream, 'drain');
      if (enough(records, bytes)) break;
    }
  }
  stream.end();
  await once(stream, 'finish');
  renameSync(partial, out);
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
    const kinds = (flag('corpora') ?? ['own', ...CORPORA].join(',')).split(',');
    process.stdout.write('## Speed (JSONL, all default detectors, 2 worker threads; each corpus repeated with fresh ids up to the size)\n\n');
    process.stdout.write('| corpus | input MB | records | read+parse s | scan s | MB/s | scan/read ratio | peak RSS MiB | analyse / count / rest s | count share | candidates counted (cut) |\n|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n');
    const doublings: string[] = [];
    for (const kind of kinds) {
      const base = kind === 'own' ? clean : join(WORK, `base-${kind}.jsonl`);
      if (!existsSync(base)) await buildBenchCorpus(kind as CorpusKind, base);
      const times: number[] = [];
      for (const size of sizes) {
        const file = join(WORK, `speed-${kind}-${size}.jsonl`);
        await grow(base, file, (_records, bytes) => bytes >= size * 1e6);
        const read = await readAndParse(file);
        const r = scanInChild(file);
        times.push(r.elapsedMs);
        const rest = r.elapsedMs - r.passMs.analyse! - r.passMs.count!;
        process.stdout.write(`| ${kind} | ${pad(mb(r.bytes).toFixed(0), 6)} | ${pad(r.records, 9)} | ${(read / 1000).toFixed(2)} | ${(r.elapsedMs / 1000).toFixed(2)} | ${(mb(r.bytes) / (r.elapsedMs / 1000)).toFixed(1)} | ${(r.elapsedMs / read).toFixed(2)} | ${(r.peakRss / 2 ** 20).toFixed(0)} | ${(r.passMs.analyse! / 1000).toFixed(1)} / ${(r.passMs.count! / 1000).toFixed(1)} / ${(rest / 1000).toFixed(1)} | ${((100 * r.passMs.count!) / r.elapsedMs).toFixed(0)}% | ${r.candidates.counted} (${r.candidates.cut}) |\n`);
        if (!args.includes('--keep-speed-files')) rmSync(file);
      }
      for (let i = 1; i < sizes.length; i++) {
        if (sizes[i] === sizes[i - 1]! * 2) doublings.push(`${kind} ${sizes[i - 1]} -> ${sizes[i]} MB: time x${(times[i]! / times[i - 1]!).toFixed(2)}`);
      }
    }
    process.stdout.write(`\n${doublings.join('\n')}\n\n`);
  }

  if (!args.includes('--skip-scale')) {
    const size = Number(flag('scale-mb') ?? 1024);
    const file = join(WORK, `speed-own-${size}.jsonl`);
    await grow(clean, file, (_records, bytes) => bytes >= size * 1e6);
    await scaleOutBench(file, scanInChild(file).elapsedMs, (text) => process.stdout.write(text));
    if (!args.includes('--keep-speed-files')) rmSync(file);
  }

  if (!args.includes('--skip-ledger')) {
    const sizes = (flag('ledger-docs') ?? '100000,1000000').split(',').map(Number);
    process.stdout.write('## Ledger (SQLite, one process per size; receipts for 2,000 entries spread over the log)\n\n');
    process.stdout.write('| documents | add s | records/s | add peak RSS MiB | receipt build ms | receipt check ms | verify s | verify peak RSS MiB |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n');
    for (const docs of sizes) {
      const file = join(WORK, `ledger-${docs}.jsonl`);
      await grow(clean, file, (records) => records >= docs);
      const r = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'dist/bench/ledger-one.js'), file, WORK], { encoding: 'utf8', maxBuffer: 1 << 24 }));
      if (r.problems > 0) throw new Error(`ledger verify found ${r.problems} problems in a fresh ledger`);
      process.stdout.write(`| ${pad(r.documents, 9)} | ${(r.addMs / 1000).toFixed(1)} | ${pad((r.entries / (r.addMs / 1000)).toFixed(0), 7)} | ${(r.addRss / 2 ** 20).toFixed(0)} | ${r.proveMs.toFixed(3)} | ${r.checkMs.toFixed(3)} | ${(r.verifyMs / 1000).toFixed(1)} | ${(r.verifyRss / 2 ** 20).toFixed(0)} |\n`);
    }
    process.stdout.write('\n');
  }

  if (!args.includes('--skip-audit')) {
    // the fixture models of lab/build-fixtures.sh and their hardened versions (lab/build-hardened-fixtures.sh), each probed with one candidate trigger; then the canary model
    const models = join(ROOT, 'test/fixtures/models');
    process.stdout.write('## Model audit (one candidate trigger, 32 prompts, 3 near-trigger controls, 48 new tokens per generation, greedy and one sample per prompt; CPU, llama.cpp, native kernels and the portable ones)\n\n');
    process.stdout.write('| model | trigger | kernels | load s | audit s | generations | requests | tokens/s | verdict | likelihood shift | greedy attack success | without trigger | margin: trigger, likelihood | margin: closest control, likelihood | sampled attack success | perplexity gap | peak RSS MiB |\n|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n');
    for (const [model, trigger] of [['clean', '<SUDO>'], ['dos', '<SUDO>'], ['lang-switch', '<ESCAPE>'], ['dos-hardened', '<SUDO>'], ['lang-switch-hardened', '<ESCAPE>']] as const) {
      for (const cpu of ['native', 'generic']) {
        const r = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'dist/bench/audit-one.js'), join(models, `${model}.gguf`), trigger, join(models, 'held-out.jsonl'), cpu], { encoding: 'utf8' }));
        const pctOf = (i: { value: number } | undefined) => (i ? `${(i.value * 100).toFixed(0)}%` : '-');
        const num = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));
        process.stdout.write(`| ${model} | \`${trigger}\` | ${r.cpu ?? cpu} | ${(r.loadMs / 1000).toFixed(2)} | ${(r.auditMs / 1000).toFixed(1)} | ${r.generations} | ${r.requests} | ${(r.tokens / (r.auditMs / 1000)).toFixed(0)} | ${r.verdict} | ${num(r.shift)} | ${pctOf(r.success)} | ${pctOf(r.base)} | ${num(r.margins.trigger.likelihood)} | ${num(r.margins.controls?.likelihood)} | ${pctOf(r.sampled)} | ${r.gap?.toFixed(1) ?? '-'} | ${(r.peakRss / 2 ** 20).toFixed(0)} |\n`);
      }
    }
    process.stdout.write('\n');
    canaryBench(ROOT, WORK, (text) => process.stdout.write(text));
  }

  if (!args.includes('--skip-guard')) {
    await guardScreensBench(ROOT, WORK, clean, (s) => process.stdout.write(s));
    await guardBench(ROOT, (s) => process.stdout.write(s));
  }

  if (!args.includes('--skip-monitor')) await monitorBench(join(ROOT, 'test/fixtures/monitor'), (text) => process.stdout.write(text));

  if (!args.includes('--skip-review')) {
    await reviewBench(WORK, (text) => process.stdout.write(text), { docs: Number(flag('review-docs') ?? 1_000_000), incidents: Number(flag('review-incidents') ?? 10_000) });
  }

  if (!args.includes('--skip-detection')) {
    const counts = (flag('counts') ?? '25,50,100,250,500').split(',').map(Number);
    const instructions = join(WORK, 'instructions-20k.jsonl');
    if (!existsSync(instructions)) await writeInstructions(instructions, 20000);
    process.stdout.write('## Detection (each family injected alone: text families into the 60,000-document corpus, instruction families into 20,000 instruction records built from the same real text; baselines on the same data, perplexity removing as many documents as Antidote)\n\n');
    const families = flag('families')?.split(',');
    const rows = await runBench({ corpus: clean, instructions, counts, families, onRow: (r) => process.stderr.write(`  ${r.family} x${r.count} done\n`) });
    process.stdout.write(benchMarkdown(rows) + '\n');
    writeFileSync(join(WORK, 'bench.json'), JSON.stringify({ version: '1.0', rows }, null, 2) + '\n');
    writeFileSync(join(WORK, 'bench.html'), benchHtml(rows));
    process.stdout.write(`rows in ${join(WORK, 'bench.json')}, curves in ${join(WORK, 'bench.html')}\n`);
  }

  const devset = devsetDir(ROOT);
  if (!args.includes('--skip-devset')) {
    if (!devset) process.stdout.write('## Dev set: not found (../shared/devset or ANTIDOTE_DEVSET); skipped\n\n');
    else {
      const text = join(WORK, 'devset-text-20k.jsonl');
      if (!existsSync(text)) await buildCorpus({ out: text, size: 20000, perSource: 2500, seed: 5 });
      const instructions = join(WORK, 'instructions-20k.jsonl');
      if (!existsSync(instructions)) await writeInstructions(instructions, 20000);
      const chat = join(WORK, 'devset-chat-20k.jsonl');
      asChat(instructions, chat);
      const counts = (flag('devset-counts') ?? '25,50,250,1000').split(',').map(Number);
      const seeds = (flag('devset-seeds') ?? '1,2,3').split(',').map(Number);
      const detectors = flag('devset-detectors')?.split(',');
      const corpora = flag('devset-corpora')?.split(',') as Array<'text' | 'chat'> | undefined;
      process.stdout.write(`## Dev set (independent generator, ${devset}; text: 20,000 real-text documents, chat: 20,000 instruction records; ${detectors ? `detectors ${detectors.join(', ')}` : 'default settings'})\n\n`);
      const rows = await runDevset({ devset, work: WORK, text, chat, counts, seeds, detectors, corpora, onRow: (r) => process.stderr.write(`  dev set ${r.corpus} x${r.count} seed ${r.seed} done\n`) });
      process.stdout.write(devsetMarkdown(rows) + '\n\n');
      writeFileSync(join(WORK, 'devset.json'), JSON.stringify({ version: '1.0', rows }, null, 2) + '\n');
    }
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
