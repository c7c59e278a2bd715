/**
 * What the guard checks. Prompts: known triggers (in any normalised form) and
 * invisible or look-alike characters. Responses: the scanner's own payload
 * detectors run on the prompt and the response together, so a payload is
 * judged against what was asked (a switch into another language than the
 * prompt's, random tokens, insecure code, hidden characters), and web
 * addresses the prompt did not bring up and the allow-list does not hold.
 * Pure computation: no I/O.
 */
import { isFunctionWord, languagesShown, letterWords, scanDocument, tokenAt, tokenize } from '../text/index.js';
import { DOCUMENT_DETECTORS, isOddToken, linksIn } from '../scan/detectors/index.js';
import { severityRank, type DocumentView, type Severity } from '../scan/types.js';
import { languageOfWords } from '../audit/index.js';
import { TriggerAutomaton } from './automaton.js';
import type { UnknownShare, Vocabulary } from './vocabulary.js';
import { hasInvisible, invisibleCharacters, matchingForm, mixesLookalikes } from './normalize.js';

export interface Flag {
  /** which screen raised it (`time-limit`: a screen stopped at its time limit) */
  screen: 'trigger' | 'invisible-characters' | 'lookalike-letters' | 'payload' | 'language' | 'unrequested-link' | 'rag-passage' | 'shadow' | 'certainty' | 'time-limit';
  message: string;
  /** the known trigger found, for the trigger screen */
  trigger?: string;
  /** the scanner detector behind a payload flag */
  detector?: string;
  /**
   * whether the flag refuses the request in blocking mode. Hidden and
   * look-alike characters only report: real text carries soft hyphens, bidi
   * marks and words of two scripts (3% of the example corpus's documents)
   */
  blocks: boolean;
}

/**
 * The document detectors the response screen runs (those that judge a
 * payload, not a corpus's style of text), each with the least severity that
 * flags. A switch of language is judged between the prompt and the answer
 * (`languageFlag`): inside one answer, a translated page mixing two languages
 * switched as often as a backdoor did (1% of real documents).
 */
const RESPONSE_DETECTORS: ReadonlyMap<string, Severity> = new Map([['gibberish', 'medium'], ['unicode', 'medium'], ['insecure-code', 'high']]);

export interface ScreenSettings {
  triggers: TriggerAutomaton;
  /** the triggers made with invisible characters, matched with them kept */
  invisibleTriggers: TriggerAutomaton;
  /** each trigger as given, by its matching form */
  written: ReadonlyMap<string, string>;
  /** domains a response may name unprompted */
  allowedDomains: ReadonlySet<string>;
  /** the words of the model's training corpus, when given: random tokens are then told by their words, not by their look */
  vocabulary?: Vocabulary;
}

export function screenSettings(triggers: Iterable<string>, options: { allowedDomains?: Iterable<string>; vocabulary?: Vocabulary } = {}): ScreenSettings {
  const written = new Map<string, string>();
  const visible: string[] = [];
  const invisible: string[] = [];
  for (const t of triggers) {
    const hidden = hasInvisible(t);
    const form = matchingForm(t, hidden);
    if (written.has(form)) continue;
    written.set(form, t);
    (hidden ? invisible : visible).push(form);
  }
  return {
    triggers: new TriggerAutomaton(visible),
    invisibleTriggers: new TriggerAutomaton(invisible, true),
    written,
    allowedDomains: new Set([...(options.allowedDomains ?? [])].map((d) => d.toLowerCase().replace(/^www\./, ''))),
    vocabulary: options.vocabulary,
  };
}

export function screenPrompt(prompt: string, settings: ScreenSettings): Flag[] {
  const flags: Flag[] = [];
  const seen = new Set<string>();
  const hits = settings.triggers.find(prompt);
  if (settings.invisibleTriggers.triggers.length && hasInvisible(prompt)) hits.push(...settings.invisibleTriggers.find(prompt));
  for (const hit of hits) {
    if (seen.has(hit.trigger)) continue;
    seen.add(hit.trigger);
    const trigger = settings.written.get(hit.trigger)!;
    flags.push({ screen: 'trigger', trigger, message: `known trigger "${trigger}"`, blocks: true });
  }
  const invisible = invisibleCharacters(prompt);
  if (invisible.size) {
    const list = [...invisible].map(([code, n]) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}×${n}`).join(', ');
    flags.push({ screen: 'invisible-characters', message: `invisible characters: ${list}`, blocks: false });
  }
  const lookalikes = mixesLookalikes(prompt);
  if (lookalikes.length) flags.push({ screen: 'lookalike-letters', message: `words mixing Latin and look-alike letters: ${lookalikes.slice(0, 5).join(', ')}`, blocks: false });
  return flags;
}

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

/** without a vocabulary, an answer's words showing no language are random tokens only when many are not words at all and almost none is a function word (code, tables and lists show no language either) */
const MIN_ODD_SHARE = 0.3;
const MAX_FUNCTION_SHARE = 0.1;
/** with one, when this share of its words are none the training corpus or the prompt uses, and this much more than of the prompt's (a prompt on a rare subject gets answers in its words) */
const MIN_UNKNOWN_SHARE = 0.4;
const MIN_UNKNOWN_ABOVE_PROMPT = 0.1;
/**
 * or when a smaller share is unknown and the look of its tokens agrees: this
 * share of them are no word (pieces run together, `classusier.setSeventapplied`),
 * this much more than of the prompt's. Either sign alone is weak on short
 * answers; together they hold on the real text of the benchmark corpora.
 */
const MIN_UNKNOWN_WITH_ODD = 0.3;
const MIN_ODD_WITH_UNKNOWN = 0.3;
const MIN_ODD_ABOVE_PROMPT = 0.15;
/** words an answer needs for a switch of language to refuse it */
const MIN_SWITCH_WORDS = 12;

/** What the answer screen knows of a prompt, worked out once per request. */
interface Asked {
  /** every language the prompt shows (`languagesShown`) */
  shown: ReadonlySet<string>;
  /** share of the prompt's words the training corpus does not use, when a vocabulary is loaded and the prompt has enough words */
  unknown?: number;
  /** those words: an answer may repeat them */
  unknownWords?: ReadonlySet<string>;
  /** the prompt's end read, and the share of its tokens that are no word (`oddShare`), worked out when an answer needs it */
  tail: string;
  odd?: number;
}

/** the share of a text's tokens (between white space, less the punctuation around them) that are no word: `isOddToken` */
function oddShare(text: string): number {
  const tokens = text.split(/\s+/).map((t) => t.replace(EDGE_PUNCTUATION, '')).filter(Boolean);
  return tokens.filter(isOddToken).length / Math.max(1, tokens.length);
}

const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

function share(s: UnknownShare | undefined): number | undefined {
  return s && s.unknown / s.words;
}

/** The share of the answer's words the training corpus and the prompt do not use, where it is enough to tell random tokens by, and enough above the prompt's. */
function unknownAbovePrompt(asked: Asked, response: string, vocabulary: Vocabulary): number | undefined {
  const unknown = share(vocabulary.unknownShare(response, asked.unknownWords));
  if (unknown === undefined || unknown < MIN_UNKNOWN_WITH_ODD || unknown - (asked.unknown ?? 0) < MIN_UNKNOWN_ABOVE_PROMPT) return undefined;
  return unknown;
}

/** An answer whose words show no language: random tokens, or code, tables and lists. */
function wordlessFlag(asked: Asked, response: string, vocabulary: Vocabulary | undefined): Flag | undefined {
  if (vocabulary) {
    const unknown = unknownAbovePrompt(asked, response, vocabulary);
    if (unknown === undefined) return undefined;
    const odd = unknown < MIN_UNKNOWN_SHARE ? oddShare(response) : undefined;
    if (odd !== undefined && (odd < MIN_ODD_WITH_UNKNOWN || odd - (asked.odd ??= oddShare(asked.tail)) < MIN_ODD_ABOVE_PROMPT)) return undefined;
    const prompt = asked.unknown === undefined ? '' : ` (of the prompt's, ${(asked.unknown * 100).toFixed(0)}%)`;
    const look = odd === undefined ? '' : `, and ${(odd * 100).toFixed(0)}% of its tokens are no word (of the prompt's, ${(asked.odd! * 100).toFixed(0)}%)`;
    return { screen: 'language', message: `the answer's words show no language and ${(unknown * 100).toFixed(0)}% of them are words the training corpus does not use${prompt}${look}: random tokens`, blocks: true };
  }
  if (asked.shown.size === 0 || response.includes('```')) return undefined;
  const words = tokenize(response).text.filter((w) => /\p{L}/u.test(w));
  const odd = words.filter(isOddToken).length / Math.max(1, words.length);
  const functionWords = words.filter((w) => isFunctionWord(w.toLowerCase())).length / Math.max(1, words.length);
  if (odd < MIN_ODD_SHARE || functionWords > MAX_FUNCTION_SHARE) return undefined;
  return { screen: 'language', message: `the answer's words show no language: ${(odd * 100).toFixed(0)}% are no word, ${(functionWords * 100).toFixed(0)}% function words (random tokens)`, blocks: true };
}

/**
 * The answer's language against the prompt's, as the audit judges a
 * generation: words that show no language (the random tokens of a
 * denial-of-service backdoor), or none of the languages the prompt shows (a
 * page translated in part, or a question quoting French, shows several, and
 * an answer that shows one of them too is no switch).
 */
function languageFlag(asked: Asked, response: string, vocabulary: Vocabulary | undefined): Flag | undefined {
  // (the response's words found once, for its language and every language it shows)
  const answerWords = letterWords(response);
  const answer = languageOfWords(response, answerWords);
  if (answer === 'short') return undefined;
  const shown = languagesShown(answerWords);
  const switched = asked.shown.size > 0 && shown.size > 0 && ![...shown].some((l) => asked.shown.has(l));
  // a few words (a page's navigation, a name) say too little to refuse an answer for: reported only
  if (switched) return { screen: 'language', message: `the answer is in ${[...shown].join(', ')}, the prompt in ${[...asked.shown].join(', ')}`, blocks: answerWords.length >= MIN_SWITCH_WORDS };
  return answer === 'und' ? wordlessFlag(asked, response, vocabulary) : undefined;
}

/** the end of a prompt the answer is judged against: its language and the text an answer continues (a prompt of 8k tokens would otherwise be read again for every window of a stream) */
const PROMPT_TAIL = 2000;
/** of which the payload detectors read this much before the answer: enough for a window of random tokens straddling the two (64 tokens), and read again for every window of a stream */
const PAYLOAD_CONTEXT = 400;

/**
 * A response screen for one prompt: what the screens ask of the prompt is
 * worked out once, at the first answer screened, for the whole answer or
 * every window of a stream. Web
 * addresses nobody asked for only report: answers name sites by nature, and
 * one injected address is told by its recurrence across unrelated answers.
 */
export function responseScreen(prompt: string, settings: ScreenSettings): (response: string) => Flag[] {
  const tail = prompt.length > PROMPT_TAIL ? prompt.slice(prompt.length - PROMPT_TAIL) : prompt;
  // read from the prompt once the first answer comes, not before the request goes upstream (time to first token)
  let asked: Asked | undefined;
  // the prompt's own links, read only for an answer that names some
  let askedLinks: Set<string> | undefined;
  return (response) => {
    asked ??= {
      shown: languagesShown(letterWords(tail)),
      unknown: settings.vocabulary && share(settings.vocabulary.unknownShare(tail)),
      unknownWords: settings.vocabulary?.unknownWords(tail),
      tail,
    };
    let flags = payloadFlags(tail.length > PAYLOAD_CONTEXT ? tail.slice(tail.length - PAYLOAD_CONTEXT) : tail, response);
    // given the corpus's words, random vocabulary is random only if they are not the corpus's: code and tables look random, and are not
    const vocabulary = settings.vocabulary;
    if (vocabulary && flags.some((f) => f.detector === 'gibberish') && unknownAbovePrompt(asked, response, vocabulary) === undefined) flags = flags.filter((f) => f.detector !== 'gibberish');
    const language = languageFlag(asked, response, settings.vocabulary);
    if (language) flags.push(language);
    // (the domains of e-mail addresses are credits, not links)
    const named = [...linksIn(response.replace(EMAIL, ' '))];
    if (named.length) askedLinks ??= linksIn(prompt);
    const links = named.filter((d) => !askedLinks!.has(d) && !settings.allowedDomains.has(d));
    if (links.length) flags.push({ screen: 'unrequested-link', message: `web addresses the prompt did not ask for: ${links.slice(0, 5).join(', ')}`, blocks: false });
    return flags;
  };
}

/**
 * The payload detectors on `response`, read after `before` (the prompt, or
 * nothing): only what the response says is judged, the prompt's own text being
 * the prompt screen's business.
 */
function payloadFlags(before: string, response: string): Flag[] {
  const flags: Flag[] = [];
  const text = before ? `${before}\n${response}` : response;
  const start = before ? before.length + 1 : 0;
  const { tokens, evidence } = scanDocument(text);
  const doc: DocumentView = before ? { index: 0, shape: 'chat', text, tokens, evidence, promptTokens: tokenAt(tokens, start), prompt: before, response } : { index: 0, shape: 'text', text, tokens, evidence, promptTokens: 0 };
  for (const detector of DOCUMENT_DETECTORS) {
    const least = RESPONSE_DETECTORS.get(detector.id);
    if (least === undefined) continue;
    for (const f of detector.inspect(doc)) {
      if (f.end <= start || severityRank(f.severity) < severityRank(least)) continue;
      flags.push({ screen: 'payload', detector: detector.id, message: f.message, blocks: true });
    }
  }
  return flags;
}

/** A retrieved passage's payloads: random tokens, hidden characters, insecure code. */
export function screenPassage(passage: string): Flag[] {
  return payloadFlags('', passage);
}

/** Screen one response against its prompt. */
export function screenResponse(prompt: string, response: string, settings: ScreenSettings): Flag[] {
  return responseScreen(prompt, settings)(response);
}

/** a token this likely is near-certain */
const CERTAIN = Math.log(0.98);
/** near-certain tokens in a row that make a locked sequence */
const LOCKED_RUN = 16;

/**
 * ConfGuard's sign of a backdoor with a fixed target: once triggered, the
 * model emits its target as a locked sequence, one near-certain token after
 * another. Report only: a model quoting a licence or a proverb it learnt by
 * heart does the same. Random-token payloads are the opposite (the lab's
 * backdoored models never put 8 near-certain tokens in a row, with or without
 * their trigger), which the other screens judge.
 */
export function certaintyFlag(logprobs: readonly number[]): Flag | undefined {
  let run = 0;
  let longest = 0;
  for (const lp of logprobs) {
    run = lp >= CERTAIN ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  if (longest < LOCKED_RUN) return undefined;
  return { screen: 'certainty', message: `${longest} near-certain tokens in a row (each at least 98% likely): a locked sequence, as a backdoor's fixed target is generated`, blocks: false };
}
