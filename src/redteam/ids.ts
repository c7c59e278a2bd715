/**
 * Fresh ids for injected records, shaped like the corpus's own so that a
 * poison record does not stand out by its id: sequential numbers of any
 * width, zero-padded counters, UUIDs and hashes, paths, JSON numbers.
 * Every id made is new: it collides neither with the corpus nor with
 * another fresh id.
 */
import { AntidoteError } from '../errors/index.js';
import type { Random } from './random.js';

export type RecordId = string | number;

/** Random tries per id before falling back to a number past the largest in use. */
const TRIES = 32;

const HEX = /^[0-9a-f]+(?:-[0-9a-f]+)*$/i;
const DIGIT_RUN = /\d+(?=\D*$)/;

function randomDigits(random: Random, width: number, leadingZero: boolean): string {
  let out = '';
  for (let i = 0; i < width; i++) out += String(i === 0 && !leadingZero && width > 1 ? random.int(1, 9) : random.int(0, 9));
  return out;
}

/** Another id of the same shape as `template`; undefined where the shape has nothing to vary. */
function variantOf(template: string, random: Random): string | undefined {
  // UUIDs and hashes: every hex digit varies, separators and case stay
  // (shorter hex-looking ids, such as d0003382, are a prefix and a counter)
  if (HEX.test(template) && template.replace(/-/g, '').length >= 16 && /[a-f]/i.test(template)) {
    const upper = template !== template.toLowerCase();
    return template.replace(/[0-9a-f]/gi, () => {
      const c = random.int(0, 15).toString(16);
      return upper ? c.toUpperCase() : c;
    });
  }
  // counters: the last run of digits, at its own width (c7, doc-000123, 2024/04/file-17.txt)
  const run = DIGIT_RUN.exec(template);
  if (run) {
    const digits = run[0];
    const fresh = randomDigits(random, digits.length, digits.startsWith('0') && digits.length > 1);
    return template.slice(0, run.index) + fresh + template.slice(run.index + digits.length);
  }
  // names without digits (paths, slugs): the letters of the longest word, same case
  const words = [...template.matchAll(/[A-Za-z]+/g)];
  const word = words.sort((a, b) => b[0].length - a[0].length)[0];
  if (!word) return undefined;
  const letters = [...word[0]].map((ch) => {
    const c = String.fromCharCode(97 + random.int(0, 25));
    return ch === ch.toUpperCase() ? c.toUpperCase() : c;
  }).join('');
  return template.slice(0, word.index) + letters + template.slice(word.index! + word[0].length);
}

/**
 * Makes fresh ids like those in `existing`. A template is drawn from the
 * corpus's ids for each new id, so a corpus of several shapes gets new ids
 * in its own proportions. Where random tries keep colliding (every one-digit
 * id of `c0` ... `c77200` is taken), the id continues the corpus's sequence
 * instead: the template's prefix and suffix around a number past the largest
 * one in use.
 */
export function freshIdMaker(existing: readonly RecordId[], random: Random): () => RecordId {
  const taken = new Set(existing.map(String));
  const templates = existing.length > 0 ? existing : ['doc-00000000'];
  const numeric = existing.length > 0 && existing.every((id) => typeof id === 'number');
  let next: bigint | undefined;

  function past(template: string): string {
    const run = DIGIT_RUN.exec(template);
    if (next === undefined) {
      next = 0n;
      for (const id of taken) {
        const m = DIGIT_RUN.exec(id);
        if (m && BigInt(m[0]) >= next) next = BigInt(m[0]) + 1n;
      }
    }
    for (;;) {
      const n = String(next++);
      const id = run ? template.slice(0, run.index) + n.padStart(run[0].length, '0') + template.slice(run.index + run[0].length) : `${template}-${n}`;
      if (!taken.has(id)) return id;
    }
  }

  return () => {
    let id: string | undefined;
    for (let attempt = 0; attempt < TRIES && id === undefined; attempt++) {
      const candidate = variantOf(String(random.pick(templates)), random);
      if (candidate !== undefined && !taken.has(candidate) && (!numeric || /^[1-9]\d*$|^0$/.test(candidate))) id = candidate;
    }
    id ??= past(String(random.pick(templates)));
    taken.add(id);
    if (!numeric) return id;
    const value = Number(id);
    if (!Number.isSafeInteger(value)) throw new AntidoteError('REDTEAM_INVALID', `cannot make a fresh numeric id past ${id}: beyond the integers JSON numbers hold exactly`);
    return value;
  };
}
