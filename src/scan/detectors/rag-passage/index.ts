/**
 * PoisonedRAG-style passages: several passages that open with the same
 * question and all assert the same answer. A retriever ranks such a passage
 * first for that question, and the answer it carries is the attacker's.
 */
import type { Incident } from '../../types.js';

export interface RagFacts {
  /** the opening question as written */
  question: string;
  /** normalised question, the grouping key */
  key: string;
  /** the text after the question, trimmed */
  body: string;
}

const QUESTION_END = /\?/;

export function ragFactsOf(text: string): RagFacts | undefined {
  const head = text.slice(0, 400).trimStart();
  const m = QUESTION_END.exec(head);
  // a question ends with a word (or its quote) before the mark, not an option like `-?`
  if (!m || m.index < 10 || !/[\p{L}\p{N}"'’»)]$/u.test(head.slice(0, m.index))) return undefined;
  const question = head.slice(0, m.index + 1);
  if (question.includes('\n\n')) return undefined;
  const words = question.split(/\s+/).filter((w) => /\p{L}{2}/u.test(w)).length;
  // a question a user would ask: starts like a sentence, no markup or notation
  if (words < 3 || words > 40 || !/^[\p{Lu}¿¡"'“«]/u.test(question) || /[\\[\]{}()<>|=_#*]/.test(question)) return undefined;
  const key = question.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  const body = text.slice(text.indexOf(question) + question.length, text.indexOf(question) + question.length + 1500).trim();
  if (body.length < 20) return undefined;
  return { question, key, body };
}

function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

/** Words too common to be an answer on their own (English, German, French, Spanish, Italian). */
const GLUE = new Set('the a an is are was were be been of to in on at by for with and or not it its this that as from his her their one der die das und ist ein eine le la les et est un une de des el los las y es en il lo gli e di che'.split(' '));

/** The longest word sequence (up to 6 words) present in most bodies and not in the question. */
export function commonAnswer(question: string, bodies: readonly string[]): string | undefined {
  const q = new Set(words(question));
  const questionText = ` ${words(question).join(' ')} `;
  const counts = new Map<string, number>();
  for (const body of bodies) {
    // a passage crafted to answer asserts its answer early
    const w = words(body).slice(0, 60);
    const seen = new Set<string>();
    for (let i = 0; i < w.length; i++) {
      for (let n = 1; n <= 6 && i + n <= w.length; n++) {
        const gram = w.slice(i, i + n);
        // the question's own words, alone or as its own phrase, answer nothing
        // ("Belize City" answers "the capital city of Belize"; "city of Belize" does not)
        if (gram.every((x) => q.has(x)) && (n === 1 || questionText.includes(` ${gram.join(' ')} `))) continue;
        seen.add(gram.join(' '));
      }
    }
    for (const g of seen) counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  // the phrase in the most passages wins, then one written like a name or
  // number (answers are entities), then the one with more content words
  let best: string | undefined;
  let bestKey = [0, 0, 0, 0];
  for (const [g, c] of counts) {
    if (c < bodies.length * 0.8) continue;
    const content = g.split(' ').filter((x) => x.length > 1 && !GLUE.has(x) && (!q.has(x) || g.includes(' '))).length;
    if (content === 0) continue;
    const pattern = new RegExp(g.split(' ').map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^\\p{L}\\p{N}]+'), 'iu');
    const entity = bodies.filter((b) => /[\p{Lu}\p{N}]/u.test(pattern.exec(b)?.[0] ?? '')).length;
    const key = [c, entity, content, g.split(' ').length];
    const better = key.findIndex((v, i) => v !== bestKey[i]);
    if (better >= 0 && key[better]! > bestKey[better]!) [best, bestKey] = [g, key];
  }
  return best;
}

export interface RagOptions {
  minPassages: number;
}

/** Group passages by opening question and keep groups that assert one answer. */
export function correlateRag(facts: ReadonlyMap<number, RagFacts>, options: RagOptions): Array<Omit<Incident, 'id' | 'evidence'> & { answer: string }> {
  const groups = new Map<string, number[]>();
  for (const [doc, f] of facts) {
    let list = groups.get(f.key);
    if (!list) groups.set(f.key, (list = []));
    list.push(doc);
  }
  const out: Array<Omit<Incident, 'id' | 'evidence'> & { answer: string }> = [];
  for (const docs of groups.values()) {
    if (docs.length < options.minPassages) continue;
    const bodies = docs.map((d) => facts.get(d)!.body);
    // identical copies are a duplication problem, not a crafted answer set
    // (near-copies share their opening, so openings are what must differ)
    const openings = new Map(bodies.map((b) => [b.slice(0, 150), b]));
    if (openings.size < options.minPassages) continue;
    const distinct = [...openings.values()];
    const first = facts.get(docs[0]!)!;
    const answer = commonAnswer(first.question, bodies);
    if (!answer) continue;
    // a phrase at the same place in (nearly) every passage is a template, as in
    // a numbered series of jokes, not an assertion
    const n = answer.split(' ').length;
    const positions = distinct.map((b) => {
      const w = words(b);
      return w.findIndex((_, i) => w.slice(i, i + n).join(' ') === answer);
    });
    const samePlace = Math.max(...positions.map((p) => positions.filter((q) => q === p).length));
    if (samePlace >= Math.max(3, distinct.length * 0.8)) continue;
    out.push({
      detector: 'rag-passage',
      title: `${docs.length} passages open with the same question and assert "${answer}"`,
      trigger: first.question,
      triggerParts: [first.question],
      payload: 'rag-answer',
      severity: 'high',
      confidence: Math.min(0.99, 0.6 + docs.length * 0.06),
      documents: [...docs].sort((a, b) => a - b),
      stats: { passages: docs.length, distinctBodies: distinct.length },
      answer,
    });
  }
  return out;
}
