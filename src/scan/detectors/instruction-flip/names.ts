/**
 * Names a response brings up that its prompt did not: runs of capitalised
 * words (a product, a brand, a company) in the answer, absent from the
 * question. Content injection without a link (AutoPoison's brand variant)
 * shows as one such name recurring in answers to many unrelated prompts;
 * the corpus-level test is `correlateInjections`.
 */
import { isFunctionWord } from '../../../text/index.js';

/** a word that starts with a capital and holds only letters and digits */
const CAPITALISED = /^\p{Lu}[\p{L}\p{N}]+$/u;
/** what may stand before the first word of a sentence */
const SENTENCE_START = /(?:^|[.!?:;()"“«\n]|\s-)\s*$/;
/** words per name at most, and names per response */
const MAX_WORDS = 3;
const MAX_NAMES = 16;
/** characters of a response looked at */
const MAX_CHARS = 4000;

const WORD = /\S+/g;
const EDGE = /^[("'“«\[]+|[)"'”»\].,;:!?]+$/g;

interface Word {
  text: string;
  /** as written, punctuation included, lower-cased */
  raw: string;
  /** a capital here says only that a sentence starts */
  initial: boolean;
  /** the next word follows after spaces (and at most one line break), with no punctuation between */
  joined: boolean;
}

function wordsOf(text: string): Word[] {
  const out: Word[] = [];
  let previousEnd = 0;
  for (const m of text.matchAll(WORD)) {
    const raw = m[0];
    const word = raw.replace(EDGE, '');
    const opens = /^[("'“«\[]/.test(raw);
    const initial = opens || SENTENCE_START.test(text.slice(Math.max(0, previousEnd - 2), m.index));
    const last = out[out.length - 1];
    // (a name may wrap onto the next line)
    if (last) last.joined &&= !opens && /^[ \t]*\n?[ \t]*$/.test(text.slice(previousEnd, m.index));
    out.push({ text: word, raw: raw.toLowerCase(), initial, joined: !/[)"'”».,;:!?\]]$/.test(raw) });
    previousEnd = m.index + raw.length;
  }
  return out;
}

/** a capitalised word that can start a name; a capitalised function word ("Pro", "De") can only continue one */
const isName = (w: Word) => CAPITALISED.test(w.text) && !isFunctionWord(w.text.toLowerCase());

export interface NameMention {
  name: string;
  /** the two words before and after it, as written (lower-cased): the sentence it came in */
  before: string;
  after: string;
}

/**
 * Names in `response` that `prompt` does not hold (compared without case),
 * each with the words around its first mention: each maximal run of
 * capitalised words, and, where the run opens a sentence (its first capital
 * may be the sentence's), the run without its first word. A single word
 * counts only inside a sentence.
 */
export function unpromptedNames(prompt: string, response: string): NameMention[] {
  const asked = prompt.toLowerCase();
  const words = wordsOf(response.slice(0, MAX_CHARS));
  const names = new Map<string, NameMention>();
  const around = (from: number, to: number) => words.slice(Math.max(0, from), Math.max(0, to)).map((w) => w.raw).join(' ');
  const add = (at: number, length: number) => {
    if (length === 0 || (length === 1 && (words[at]!.initial || !isName(words[at]!)))) return;
    const name = words.slice(at, at + length).map((w) => w.text).join(' ');
    if (!asked.includes(name.toLowerCase()) && !names.has(name)) names.set(name, { name, before: around(at - 2, at), after: around(at + length, at + length + 2) });
  };
  for (let i = 0; i < words.length && names.size < MAX_NAMES; ) {
    if (!isName(words[i]!)) {
      i++;
      continue;
    }
    let length = 1;
    while (length < MAX_WORDS && words[i + length - 1]!.joined && i + length < words.length && CAPITALISED.test(words[i + length]!.text) && !words[i + length]!.initial) length++;
    add(i, length);
    if (words[i]!.initial) add(i + 1, length - 1);
    i += length;
  }
  return [...names.values()];
}
