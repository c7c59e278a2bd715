/** The guard's screens as the CLI sets them up, for `guard` and `guard replay` alike. */
import { AntidoteError } from '../errors/index.js';
import { expandInputs, readCorpusBatches } from '../corpus/index.js';
import { screenSettings, triggersFromScan, triggersFromList, Vocabulary, type ScreenSettings } from '../guard/index.js';
import { readText, type FlagSpec } from './command.js';

/** What the screens know: flags shared by `guard` and `guard replay`. */
export const SCREEN_FLAGS: Record<string, FlagSpec> = {
  'from-scan': { type: 'string', multiple: true, value: 'FINDINGS.json', help: 'known triggers: those of a scan (antidote scan --json); repeatable' },
  triggers: { type: 'string', multiple: true, value: 'FILE', help: 'known triggers: one per line; repeatable' },
  vocabulary: { type: 'string', multiple: true, value: 'CORPUS', help: 'the model\'s training corpus (or a sample of it; any format scan reads), whose words answers are judged by: random tokens are words no document uses; repeatable; the first 256 MiB of text are read' },
  'allow-domain': { type: 'string', multiple: true, value: 'DOMAIN', help: 'a web domain responses may name unprompted; repeatable' },
};

/** The screens' settings from SCREEN_FLAGS. */
export async function screensFrom(values: Record<string, unknown>): Promise<{ screens: ScreenSettings; triggers: number; documents: number }> {
  const triggers = [
    ...((values['from-scan'] as string[] | undefined) ?? []).flatMap((f) => triggersFromScan(readText(f, f), f)),
    ...((values.triggers as string[] | undefined) ?? []).flatMap((f) => triggersFromList(readText(f, f))),
  ];
  const corpora = (values.vocabulary as string[] | undefined) ?? [];
  const vocabulary = corpora.length ? await readVocabulary(corpora) : undefined;
  const screens = screenSettings(triggers, { allowedDomains: values['allow-domain'] as string[] | undefined, vocabulary: vocabulary?.words });
  return { screens, triggers: triggers.length, documents: vocabulary?.documents ?? 0 };
}

/** enough text to know a corpus's words; more only slows the start */
const VOCABULARY_TEXT_BYTES = 256 * 2 ** 20;

/** The words of the documents of `corpora`, up to VOCABULARY_TEXT_BYTES of text; unreadable inputs and records are errors, not silently skipped. */
async function readVocabulary(corpora: readonly string[]): Promise<{ words: Vocabulary; documents: number }> {
  const words = new Vocabulary();
  let documents = 0;
  let bytes = 0;
  const failures: string[] = [];
  const batches = readCorpusBatches(await expandInputs(corpora), { textField: 'text', idField: 'id' }, (f) => failures.push(f.error.message));
  for await (const records of batches) {
    for (const r of records) {
      if (r.error) throw r.error;
      if (!r.text) continue;
      words.learn(r.text);
      documents++;
      bytes += r.text.length;
    }
    if (bytes >= VOCABULARY_TEXT_BYTES) break;
  }
  if (failures.length) throw new AntidoteError('INPUT_UNREADABLE', `--vocabulary: ${failures.join('; ')}`);
  if (documents === 0) throw new AntidoteError('INPUT_FORMAT', `--vocabulary: no documents with text in ${corpora.join(', ')}`);
  return { words, documents };
}
