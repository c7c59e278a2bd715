/**
 * `antidote canary plant`: benign records with unique random secrets, put
 * into a copy of a corpus, so that `antidote audit --canaries` can later
 * measure how strongly the trained model memorised each.
 */
import { AntidoteError } from '../errors/index.js';
import { plantCanaries } from '../canary/index.js';
import { describeFiles, sha256Hex, type CanaryRecord } from '../ledger/index.js';
import { commandGroup, EXIT, numberFlag, type Subcommand } from './command.js';
import { withLedger } from './ledger.js';

function copiesList(value: string | undefined): number[] {
  const list = (value ?? '1').split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new AntidoteError('USAGE', `--copies expects positive integers separated by commas (e.g. 1,10,100), got '${value}'`);
  return [...new Set(list)];
}

const PLANT: Subcommand = {
  usage: 'antidote canary plant --into CORPUS --count N [--copies 1,10,100] --out OUT.jsonl [--canaries FILE] [--record --store S]',
  summary: 'write a copy of a corpus with canary records in it, and the secrets to a separate file',
  flags: {
    into: { type: 'string', multiple: true, value: 'CORPUS', help: 'the corpus (files, folders or globs; repeatable)' },
    count: { type: 'string', value: 'N', help: 'canaries at each copy count' },
    copies: { type: 'string', value: 'LIST', help: 'copy counts, comma-separated (default 1): each canary is repeated this often' },
    out: { type: 'string', value: 'FILE.jsonl', help: 'the corpus with canaries, JSONL' },
    canaries: { type: 'string', value: 'FILE', help: 'where the secrets go (default OUT.canaries.json); keep it away from training data' },
    seed: { type: 'string', value: 'S', help: 'random seed (default: from the clock; give one to repeat a planting)' },
    'text-field': { type: 'string', value: 'NAME', help: 'text field of JSONL records (default text)' },
    'id-field': { type: 'string', value: 'NAME', help: 'id field of JSONL records (default id)' },
    record: { type: 'boolean', help: 'record the planting (secrets as SHA-256 only) in the ledger' },
    store: { type: 'string', value: 'PATH|URL', help: 'ledger store for --record (default .antidote-ledger/ledger.sqlite)' },
    key: { type: 'string', value: 'FILE', help: "the ledger's signing key (default beside the store)" },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
  async run(values) {
    const into = values.into as string[] | undefined;
    const count = numberFlag(values.count, 'count', 1);
    if (!into?.length || !count || !values.out) throw new AntidoteError('USAGE', 'give --into CORPUS, --count N and --out FILE.jsonl');
    const canaries = (values.canaries as string | undefined) ?? `${(values.out as string).replace(/\.jsonl$/i, '')}.canaries.json`;
    const seed = numberFlag(values.seed, 'seed', 0) ?? Date.now() % 2 ** 31;
    const result = await plantCanaries(into, {
      out: values.out as string, canaries, count, copies: copiesList(values.copies as string | undefined), seed,
      textField: (values['text-field'] as string | undefined) ?? 'text', idField: (values['id-field'] as string | undefined) ?? 'id',
    });
    process.stdout.write(`wrote ${values.out}: ${result.records} records and ${result.planted} canary records (${result.file.canaries.length} canaries); secrets in ${canaries}\n`);
    if (values.record) {
      const entry = await withLedger(values, { signing: true }, async (ledger) => {
        const [corpus] = await describeFiles([{ name: values.out as string, path: values.out as string }]);
        const record: Omit<CanaryRecord, 'entry'> = {
          kind: 'canary', corpus: corpus!, created: new Date().toISOString(),
          canaries: result.file.canaries.map((c) => ({ id: c.id, sha256: sha256Hex(c.secret), copies: c.copies })),
        };
        const { first } = await ledger.append(async (log) => log.add({ record: { ...record } }));
        return first;
      });
      process.stdout.write(`recorded as ledger entry ${entry}\n`);
    }
    return EXIT.OK;
  },
};

export const canaryCommand = commandGroup('canary', 'plant canaries in a corpus to measure how few repeated documents a model learns from', { plant: PLANT });
