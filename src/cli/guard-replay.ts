import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { AntidoteError } from '../errors/index.js';
import { Replay, isPostgresUrl, openTrafficStore, type ReplaySummary, type TrafficRecord } from '../guard/index.js';
import { EXIT, helpText, parseFlags, type Command, type FlagSpec } from './command.js';
import { SCREEN_FLAGS, screensFrom } from './guard-screens.js';

const FLAGS: Record<string, FlagSpec> = {
  ...SCREEN_FLAGS,
  json: { type: 'boolean', help: 'print the summary as JSON' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const replayCommand: Command = {
  name: 'guard replay',
  summary: 'rerun the guard\'s screens over logged traffic',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS);
    if (values.help || positionals.length !== 1) {
      process.stdout.write(helpText('antidote guard replay LOG [--from-scan findings.json] [--triggers FILE] [--vocabulary CORPUS] [--json]', 'Screen the logged prompts and answers again with the screens these flags set up, and compare with what the guard decided then. LOG: the guard\'s log store (a SQLite file or a postgres:// URL) or its --log JSONL file.', FLAGS));
      return values.help ? EXIT.OK : EXIT.USAGE;
    }
    const { screens } = await screensFrom(values);
    const replay = new Replay(screens);
    for await (const records of readLog(positionals[0]!)) for (const r of records) replay.add(r);
    const summary = replay.summary();
    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : render(summary));
    return EXIT.OK;
  },
};

async function* readLog(source: string): AsyncGenerator<TrafficRecord[]> {
  if (/\.jsonl$/i.test(source)) {
    if (!existsSync(source)) throw new AntidoteError('INPUT_NOT_FOUND', 'cannot read the guard log (ENOENT)', { file: source });
    // read line by line, in pages: a log may be larger than memory
    let page: TrafficRecord[] = [];
    let line = 0;
    for await (const text of createInterface({ input: createReadStream(source), crlfDelay: Infinity })) {
      line++;
      if (!text.trim()) continue;
      let r: Partial<TrafficRecord> & { alert?: string };
      try {
        r = JSON.parse(text);
      } catch (e) {
        throw new AntidoteError('INPUT_FORMAT', `line is not JSON (${(e as Error).message})`, { file: source, line });
      }
      // probing alerts share the file
      if (r.alert) continue;
      if (typeof r.route !== 'string' || !Array.isArray(r.flags) || !Array.isArray(r.screened)) throw new AntidoteError('INPUT_FORMAT', 'not a guard decision: expected "route", "screened" and "flags"', { file: source, line });
      page.push(r as TrafficRecord);
      if (page.length >= 1000) {
        yield page;
        page = [];
      }
    }
    yield page;
    return;
  }
  if (!isPostgresUrl(source) && !existsSync(source)) throw new AntidoteError('INPUT_NOT_FOUND', 'no guard log here: give the --log-store file, a postgres:// URL, or a --log JSONL file', { file: source });
  const store = await openTrafficStore(source, { existing: true });
  try {
    yield* store.read();
  } finally {
    await store.close();
  }
}

function render(s: ReplaySummary): string {
  const screens = [...new Set([...Object.keys(s.byScreenThen), ...Object.keys(s.byScreenNow)])].sort();
  const lines = [
    `${s.records} records, ${s.replayed} with a prompt screened again`,
    `flagged then: ${s.flaggedThen}; flagged now: ${s.flaggedNow} (${s.newlyCount} newly, ${s.clearedCount} no longer)`,
    '',
    '| screen | requests flagged then | now |',
    '|---|---:|---:|',
    ...screens.map((k) => `| ${k} | ${s.byScreenThen[k] ?? 0} | ${s.byScreenNow[k] ?? 0} |`),
  ];
  for (const [title, list] of [['newly flagged', s.newlyFlagged], ['no longer flagged', s.noLongerFlagged]] as const) {
    if (list.length) lines.push('', `${title}:`, ...list.map((c) => `  ${c.time} ${c.route}: ${c.flags.join('; ')} | ${JSON.stringify(c.prompt.slice(0, 80))}`));
  }
  return `${lines.join('\n')}\n`;
}
