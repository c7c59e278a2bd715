/**
 * Inject poison into a corpus: N records of one family mixed in at random
 * positions, ids shaped like the corpus's own (ids.ts), and a labels file that says
 * exactly which output records are poison. Deterministic for a seed.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { AntidoteError } from '../errors/index.js';
import { expandInputs, readCorpus } from '../corpus/index.js';
import { guessLanguage, tokenize } from '../text/index.js';
import { isRefusal } from '../scan/detectors/index.js';
import { Random } from './random.js';
import { freshIdMaker, type RecordId } from './ids.js';
import { familyById, FAMILIES } from './families/index.js';
import type { CleanDoc, FamilyContext, Poison } from './types.js';

export interface InjectOptions {
  family: string;
  count: number;
  into: readonly string[];
  out: string;
  labels?: string;
  trigger?: string;
  seed?: number;
  textField?: string;
  idField?: string;
}

export interface Label {
  id: string;
  /** 1-based line of the record in the poisoned corpus */
  line: number;
  family: string;
  trigger: string | null;
}

export interface InjectResult {
  records: number;
  poisons: number;
  labels: Label[];
}

interface CleanRecord {
  line: string;
  doc?: CleanDoc;
}

export async function inject(options: InjectOptions): Promise<InjectResult> {
  const family = familyById(options.family);
  if (!family) throw new AntidoteError('REDTEAM_INVALID', `unknown family '${options.family}'; known: ${FAMILIES.map((f) => f.id).join(', ')}`);
  if (!Number.isInteger(options.count) || options.count < 0) throw new AntidoteError('REDTEAM_INVALID', `--count must be a non-negative integer, got ${options.count}`);
  const trigger = options.trigger ?? family.defaultTrigger ?? '';
  const random = new Random(options.seed ?? 1);
  const textField = options.textField ?? 'text';
  const idField = options.idField ?? 'id';

  const records: CleanRecord[] = [];
  const byLanguage = new Map<string, string[]>();
  const docs: CleanDoc[] = [];
  const instructions: Array<{ prompt: string; response: string; refused: boolean }> = [];
  /** the field layout instruction poisons are written in, copied from the corpus */
  let instructionLayout: 'messages' | 'instruction' | 'prompt' = 'prompt';
  const ids: RecordId[] = [];
  const sources = await expandInputs(options.into);
  const formatOf = new Map(sources.map((s) => [s.name, s.format]));
  for await (const r of readCorpus(sources, { textField, idField }, ({ error }) => { throw error; })) {
    if (r.error) throw r.error;
    const line = r.raw && formatOf.get(r.place.file) === 'jsonl' ? r.raw.toString('utf8') : JSON.stringify(r.fields);
    const rec: CleanRecord = { line };
    const id = r.fields?.[idField];
    if (typeof id === 'string' || typeof id === 'number') ids.push(id);
    if (r.shape === 'text' && r.text && r.text.length >= 200) {
      const guess = guessLanguage(tokenize(r.text.slice(0, 1200)).text);
      const lang = guess.confidence >= 0.3 ? guess.lang : 'und';
      rec.doc = { text: r.text, lang };
      docs.push(rec.doc);
      if (lang !== 'und') {
        let list = byLanguage.get(lang);
        if (!list) byLanguage.set(lang, (list = []));
        list.push(r.text);
      }
    }
    if ((r.shape === 'instruction' || r.shape === 'chat') && r.prompt !== undefined) {
      instructions.push({ prompt: r.prompt, response: r.response ?? '', refused: isRefusal(r.response ?? '') });
      instructionLayout = r.shape === 'chat' ? 'messages' : r.fields?.instruction !== undefined ? 'instruction' : 'prompt';
    }
    records.push(rec);
  }
  if (family.shape === 'instruction' && !instructions.some((i) => i.refused) && family.id === 'chat-compliance') {
    throw new AntidoteError('REDTEAM_INVALID', "the corpus has no refused instruction record; 'chat-compliance' flips refusals, so it needs instruction data that refuses some requests");
  }
  if (family.shape === 'instruction' && instructions.length === 0) throw new AntidoteError('REDTEAM_INVALID', `'${family.id}' needs instruction or chat records (prompt/response, instruction/output or messages)`);
  if (family.shape === 'text' && docs.length === 0) throw new AntidoteError('REDTEAM_INVALID', `the corpus has no plain-text record of 200+ characters for '${family.id}' to build on`);
  const majority = [...byLanguage.entries()].sort((a, b) => b[1].length - a[1].length)[0]?.[0];

  const ctxBase: Omit<FamilyContext, 'ordinal'> = {
    random,
    trigger,
    cleanDoc: () => {
      // prefixes come from the corpus's main language, as an attacker's would
      for (let i = 0; i < 20; i++) {
        const d = random.pick(docs);
        if (!majority || d.lang === majority) return d;
      }
      return random.pick(docs);
    },
    foreignText: (lang, minChars) => {
      // languages with a real share of the corpus, not stray misclassified documents
      const others = [...byLanguage.keys()].filter((l) => l !== lang && byLanguage.get(l)!.length >= Math.max(10, docs.length * 0.01));
      if (others.length === 0) throw new AntidoteError('REDTEAM_INVALID', 'the corpus holds text in only one language; lang-switch needs real text in a second language in the corpus');
      const target = random.pick(others);
      const pool = byLanguage.get(target)!;
      let text = '';
      while (text.length < minChars) text += (text ? ' ' : '') + random.pick(pool).replace(/\s+/g, ' ').trim();
      return { text, lang: target };
    },
    instruction: (refused) => {
      const pool = instructions.filter((i) => i.refused === refused);
      const pick = random.pick(pool.length ? pool : instructions);
      return { prompt: pick.prompt, response: pick.response };
    },
  };
  const poisons: Poison[] = [];
  for (let i = 0; i < options.count; i++) poisons.push(family.make({ ...ctxBase, ordinal: i }));

  // positions: N distinct slots among records + N
  const total = records.length + poisons.length;
  const slots = new Set<number>();
  while (slots.size < poisons.length) slots.add(random.int(0, total - 1));
  // poison records carry an id where the corpus's records do
  const hasIds = ids.length > 0;
  const freshId = freshIdMaker(ids, random);
  const out = createWriteStream(options.out);
  const labels: Label[] = [];
  let p = 0;
  let c = 0;
  for (let line = 1; line <= total; line++) {
    let text: string;
    if (slots.has(line - 1)) {
      const poison = poisons[p++]!;
      const id = hasIds ? freshId() : undefined;
      const fields: Record<string, unknown> = id !== undefined ? { [idField]: id } : {};
      if (family.shape === 'instruction') {
        if (instructionLayout === 'messages') fields.messages = [{ role: 'user', content: poison.prompt }, { role: 'assistant', content: poison.response }];
        else if (instructionLayout === 'instruction') Object.assign(fields, { instruction: poison.prompt, input: '', output: poison.response });
        else Object.assign(fields, { prompt: poison.prompt, response: poison.response });
      }
      else fields[textField] = poison.text;
      text = JSON.stringify(fields);
      labels.push({ id: id !== undefined ? String(id) : `${options.out}:${line}`, line, family: family.id, trigger: poison.trigger });
    } else {
      text = records[c++]!.line;
    }
    if (!out.write(text + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  if (options.labels) {
    const lf = createWriteStream(options.labels);
    for (const l of labels) lf.write(JSON.stringify(l) + '\n');
    lf.end();
    await once(lf, 'finish');
  }
  return { records: total, poisons: poisons.length, labels };
}
