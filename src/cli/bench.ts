import { writeFile } from 'node:fs/promises';
import { AntidoteError } from '../errors/index.js';
import { runBench, benchMarkdown, benchHtml, FAMILIES, BASELINES } from '../redteam/index.js';
import { EXIT, helpText, parseFlags, type Command, type FlagSpec } from './command.js';

const FLAGS: Record<string, FlagSpec> = {
  corpus: { type: 'string', value: 'FILE', help: 'clean plain-text corpus the text families are injected into' },
  instructions: { type: 'string', value: 'FILE', help: 'clean instruction corpus for chat-compliance and content-injection (skipped without it)' },
  counts: { type: 'string', value: 'N,N', help: 'poison documents per run (default 25,50,100,250,500)' },
  families: { type: 'string', value: 'IDS', help: `families to run (default all): ${FAMILIES.map((f) => f.id).join(', ')}` },
  json: { type: 'string', value: 'FILE', help: 'write the rows as JSON, for tracking over time' },
  html: { type: 'string', value: 'FILE', help: 'write recall-versus-count curves per family' },
  seed: { type: 'string', value: 'S', help: 'base random seed (default 1000)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const benchCommand: Command = {
  name: 'bench',
  summary: 'inject each poison family, scan, and score Antidote beside common filters',
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    if (values.help) {
      process.stdout.write(helpText('antidote bench --corpus CLEAN.jsonl [--instructions CLEAN-INSTR.jsonl] [--counts 25,50,100,250,500]', `Measure what survives: recall, clean false-positive rate and exact trigger recovery per family and count, with the baselines ${BASELINES.map((b) => b.id).join(', ')} on the same data.`, FLAGS));
      return EXIT.OK;
    }
    if (!values.corpus) throw new AntidoteError('USAGE', '--corpus is required (see antidote bench --help)');
    const counts = ((values.counts as string) ?? '25,50,100,250,500').split(',').map(Number);
    if (counts.some((c) => !Number.isInteger(c) || c < 1)) throw new AntidoteError('USAGE', `--counts expects positive integers, got '${values.counts}'`);
    const rows = await runBench({
      corpus: values.corpus as string,
      instructions: values.instructions as string | undefined,
      counts,
      families: values.families ? (values.families as string).split(',') : undefined,
      seed: values.seed ? Number(values.seed) : undefined,
      onRow: (r) => process.stderr.write(`  ${r.family} x${r.count}: recall ${r.antidote.recall.toFixed(3)}\n`),
    });
    process.stdout.write(benchMarkdown(rows));
    if (values.json) await writeFile(values.json as string, JSON.stringify({ version: '1.0', rows }, null, 2) + '\n');
    if (values.html) await writeFile(values.html as string, benchHtml(rows));
    return EXIT.OK;
  },
};
