import { AntidoteError } from '../errors/index.js';
import { inject, FAMILIES } from '../redteam/index.js';
import { EXIT, helpText, parseFlags, numberFlag, type Command, type FlagSpec } from './command.js';

const FLAGS: Record<string, FlagSpec> = {
  family: { type: 'string', value: 'F', help: `poison family: ${FAMILIES.map((f) => f.id).join(', ')}` },
  count: { type: 'string', value: 'N', help: 'number of poison records to add' },
  into: { type: 'string', multiple: true, value: 'CORPUS', help: 'the clean corpus (any format scan reads); repeatable' },
  out: { type: 'string', value: 'FILE', help: 'where to write the poisoned corpus (JSONL)' },
  labels: { type: 'string', value: 'FILE', help: 'where to write which records are poison (JSONL: id, line, family, trigger)' },
  trigger: { type: 'string', value: 'T', help: "trigger to plant (default: the family's own; split-trigger takes 'A|B')" },
  seed: { type: 'string', value: 'S', help: 'random seed; the same seed gives the same output (default 1)' },
  'text-field': { type: 'string', value: 'NAME', help: "text field of plain records (default 'text')" },
  'id-field': { type: 'string', value: 'NAME', help: "id field (default 'id')" },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const redteamCommand: Command = {
  name: 'redteam',
  summary: "inject known poison families into a corpus ('redteam inject', 'redteam families')",
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'families') {
      for (const f of FAMILIES) process.stdout.write(`${f.id.padEnd(18)} ${f.description}${f.defaultTrigger ? ` (default trigger ${JSON.stringify(f.defaultTrigger)})` : ''}\n`);
      return EXIT.OK;
    }
    const { values } = parseFlags(sub === 'inject' ? rest : argv, FLAGS);
    if (values.help || sub !== 'inject') {
      process.stdout.write(helpText('antidote redteam inject --family F --count N --into CORPUS --out POISONED [--labels LABELS.jsonl]', 'Mix poison records of one family into a copy of a corpus, at random positions, with labels.', FLAGS, "\nAlso: 'antidote redteam families' lists the families.\n"));
      return values.help ? EXIT.OK : EXIT.USAGE;
    }
    for (const required of ['family', 'count', 'into', 'out']) {
      if (values[required] === undefined) throw new AntidoteError('USAGE', `--${required} is required (see antidote redteam inject --help)`);
    }
    const result = await inject({
      family: values.family as string,
      count: numberFlag(values.count, 'count', 0)!,
      into: values.into as string[],
      out: values.out as string,
      labels: values.labels as string | undefined,
      trigger: values.trigger as string | undefined,
      seed: numberFlag(values.seed, 'seed', 0),
      textField: values['text-field'] as string | undefined,
      idField: values['id-field'] as string | undefined,
    });
    process.stdout.write(`wrote ${values.out}: ${result.records} records, ${result.poisons} poison (${values.family})${values.labels ? `; labels in ${values.labels}` : ''}\n`);
    return EXIT.OK;
  },
};
