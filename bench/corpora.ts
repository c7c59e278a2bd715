/**
 * The speed benchmark's corpora beyond the project's own real-text corpus,
 * each from Debian packages, each written once as a base JSONL file that the
 * benchmark repeats up to the size it measures:
 *
 * - `handbook`: the Debian Administrator's Handbook in every language Debian
 *   ships it in (package `debian-handbook`), one document per section: many
 *   scripts (Arabic, Persian, Greek, Cyrillic, CJK) beside English commands.
 * - `code`: Python's standard library and the C headers of /usr/include,
 *   one document per file (cut at 8,000 characters).
 * - `adversarial`: built to make the scan propose as many candidate triggers
 *   as it can: word-bigram text from the handbook that changes language every
 *   few dozen words, with an invisible or bidi character in one word of 400, so that
 *   most documents carry a language-switch or Unicode finding whose region
 *   holds common words.
 */
import { createWriteStream, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Random } from '../src/redteam/index.js';
import { decodeEntities, walk } from '../scripts/corpus-sources.js';

export const CORPORA = ['handbook', 'code', 'adversarial'] as const;
export type CorpusKind = (typeof CORPORA)[number];

const HANDBOOK = '/usr/share/doc/debian-handbook/html';

function htmlText(html: string): string {
  return decodeEntities(html.replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/[ \t\r]+/g, ' ').replace(/\n\s*\n+/g, '\n\n').trim();
}

/** Handbook sections, each with its language. */
function* handbook(): Generator<{ text: string; lang: string }> {
  for (const lang of existsSync(HANDBOOK) ? readdirSync(HANDBOOK).sort() : []) {
    for (const file of walk(join(HANDBOOK, lang), (n) => n.endsWith('.html'))) {
      for (const part of readFileSync(file, 'utf8').split(/<div class="section"|<section /).slice(1)) {
        const text = htmlText(part.replace(/^[^>]*>/, ''));
        if (text.length >= 200) yield { text: text.slice(0, 6000), lang };
      }
    }
  }
}

function* code(): Generator<{ text: string; lang: string }> {
  for (const f of walk('/usr/lib/python3.11', (n) => n.endsWith('.py'))) yield { text: readFileSync(f, 'utf8').slice(0, 8000), lang: 'python' };
  for (const f of walk('/usr/include', (n) => n.endsWith('.h'))) yield { text: readFileSync(f, 'latin1').slice(0, 8000), lang: 'c' };
}

/** Word-bigram chains per language; documents hop between languages. */
function* adversarial(size: number, random: Random): Generator<{ text: string; lang: string }> {
  const chains = new Map<string, Map<string, string[]>>();
  for (const { text, lang } of handbook()) {
    let chain = chains.get(lang);
    if (!chain) chains.set(lang, (chain = new Map()));
    const words = text.split(/\s+/).filter(Boolean);
    for (let i = 0; i + 1 < words.length; i++) {
      const next = chain.get(words[i]!);
      if (next) next.push(words[i + 1]!);
      else chain.set(words[i]!, [words[i + 1]!]);
    }
  }
  const langs = [...chains.keys()];
  if (langs.length === 0) return;
  const starts = new Map(langs.map((l) => [l, [...chains.get(l)!.keys()]]));
  const invisible = ['\u200b', '\u200d', '\u200f', '\u202e', '\u2066', '\ufeff'];
  for (let d = 0; d < size; d++) {
    const out: string[] = [];
    for (let segment = 0, segments = random.int(2, 5); segment < segments; segment++) {
      const lang = random.pick(langs);
      const chain = chains.get(lang)!;
      let word = random.pick(starts.get(lang)!);
      for (let i = 0, n = random.int(20, 80); i < n; i++) {
        out.push(random.int(0, 399) === 0 ? word + random.pick(invisible) : word);
        const next = chain.get(word);
        word = next ? random.pick(next) : random.pick(starts.get(lang)!);
      }
    }
    yield { text: out.join(' '), lang: 'mixed' };
  }
}

/** Write the base file of one corpus kind; returns its documents. */
export async function buildBenchCorpus(kind: CorpusKind, out: string, seed = 3): Promise<number> {
  const random = new Random(seed);
  const docs = kind === 'handbook' ? handbook() : kind === 'code' ? code() : adversarial(60000, random);
  // written aside and renamed when whole, so that a stopped run leaves no short corpus
  const stream = createWriteStream(`${out}.partial`);
  let n = 0;
  for (const d of docs) {
    if (!stream.write(JSON.stringify({ id: `${kind}-${++n}`, text: d.text, lang: d.lang }) + '\n')) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
  if (n === 0) {
    rmSync(`${out}.partial`);
    throw new Error(`no text for the ${kind} corpus; install the Debian package debian-handbook (and python3.11 for code)`);
  }
  renameSync(`${out}.partial`, out);
  return n;
}
