/**
 * Per-document analysis, run in worker threads: tokenise once, run every
 * enabled document detector, and keep only what the corpus-level steps need.
 */
import { shinglesOf } from './near-duplicates/index.js';
import { tokenize, tokenAt, nextToken, lowerHash, scanDocument, tokenSpans, isFunctionWordAt, wordsIn, type TokenBounds } from '../text/index.js';
import {
  DOCUMENT_DETECTORS, shiftsAfter, MIN_Z_AT_POINT, judgeAfterPairs, MIN_INCOHERENCE_AT_POINT, ragFactsOf, isRefusal, unpromptedLinks, unpromptedNames, claimSentences, claimReports,
  type RagFacts, type InstructionFacts, type ClaimReport, type ClaimSentence, type RecurringSentence,
} from './detectors/index.js';
import type { DocumentView, Finding } from './types.js';
import type { RecordShape } from '../corpus/index.js';
import type { WordPairIndex } from '../text/index.js';

/** The tokens of a result's region. */
export function regionTokens(r: Pick<DocumentResult, 'region'>): string[] {
  return r.region ? r.region.split('\n') : [];
}

/** What the main thread sends a worker for one document. */
export interface DocumentInput {
  index: number;
  shape: RecordShape;
  text: string;
  prompt?: string;
  response?: string;
}

export interface DocumentResult {
  index: number;
  findings: Finding[];
  /** tokens before the earliest payload, where its trigger must be, joined by newlines (no token holds one): one string costs a fraction of an array of them to send and keep (`regionTokens` splits it) */
  region?: string;
  /** the region is code comments, judged without the context test */
  codeRegion?: boolean;
  /** index in `region` where the payload was estimated to start */
  onset?: number;
  /** text around the earliest payload, for evidence */
  snippet?: { text: string; offset: number };
  instruction?: InstructionFacts;
  rag?: RagFacts;
  /** word 5-gram hashes of documents with RAG facts, or with a payload and a candidate trigger (those incidents are made of), for near-duplicate evidence */
  shingles?: Uint32Array;
}

export interface AnalyzeOptions {
  detectors: readonly string[];
  /** tokens before a payload searched for its trigger */
  regionTokens: number;
  /** longest document analysed, in characters; the rest is not tokenised */
  maxChars: number;
}

/** tokens past a payload's estimated onset kept in its region */
const PAST_ONSET = 24;

const COMMENT_LINE = /^\s*(?:#|\/\/|\/\*|\*|--|"""|''')/;
/** A comment's markers: the trigger is the comment's words, whatever the language's comment syntax. */
const COMMENT_MARKERS = /^\s*(?:#+|\/\/+|\/\*+|\*+|--|"""|''')|(?:\*\/|"""|''')\s*$/g;

/** Tokens of the comment lines just above a code payload. */
function commentRegion(doc: DocumentView, payloadToken: number): string[] {
  const lineStart = doc.tokens.start[payloadToken] ?? doc.text.length;
  const lines = doc.text.slice(Math.max(0, lineStart - 600), lineStart).split('\n');
  lines.pop(); // the part of the payload's own line before it
  // comment lines among the few lines above the payload (code may sit between)
  const comments: string[] = [];
  for (let i = lines.length - 1; i >= Math.max(0, lines.length - 5); i--) {
    if (COMMENT_LINE.test(lines[i]!)) comments.unshift(lines[i]!.replace(COMMENT_MARKERS, ''));
  }
  return comments.length ? tokenize(comments.join('\n')).text : [];
}

/**
 * Analyse one document. `onClaimSentences` receives its claim sentences when
 * the recurring-claim detector is on.
 */
export function analyzeDocument(input: DocumentInput, options: AnalyzeOptions, onClaimSentences?: (sentences: ClaimSentence[]) => void, pairs?: WordPairIndex): DocumentResult | undefined {
  const text = input.text.length > options.maxChars ? input.text.slice(0, options.maxChars) : input.text;
  const { tokens, evidence } = scanDocument(text);
  const promptTokens = input.prompt !== undefined ? tokenAt(tokens, input.prompt.length) : 0;
  const doc: DocumentView = { index: input.index, shape: input.shape, text, tokens, evidence, promptTokens, prompt: input.prompt, response: input.response, pairs };
  if (onClaimSentences && options.detectors.includes('recurring-claim')) onClaimSentences(claimSentences(tokens, (k) => evidence.functionWords[k]! >= 0));

  const findings: Finding[] = [];
  for (const detector of DOCUMENT_DETECTORS) {
    if (options.detectors.includes(detector.id)) findings.push(...detector.inspect(doc));
  }
  const result: DocumentResult = { index: input.index, findings };

  // Where the earliest payload starts, the trigger is just before it. A
  // change in how the text is written says least about what the payload is,
  // so it places the region only where no other detector did; insecure code
  // says most (its trigger is in the comments above it, and a document of a
  // multilingual corpus often switches language before it), so it places the
  // region wherever it is.
  let earliest: Finding | undefined;
  for (const f of findings) {
    if (f.trigger !== undefined || f.payloadToken === undefined) continue;
    const rank = (x: Finding) => (x.kind === 'insecure-code' ? 0 : x.kind === 'text-shift' || x.kind === 'incoherent-text' ? 2 : 1);
    if (!earliest || rank(f) < rank(earliest) || (rank(f) === rank(earliest) && f.payloadToken < earliest.payloadToken!)) earliest = f;
  }
  const explicit = findings.filter((f) => f.trigger !== undefined).map((f) => f.trigger!);
  if (earliest || explicit.length) {
    let region: string[] = [];
    if (earliest) {
      const p = earliest.payloadToken!;
      // The onset of a payload is known to within a few tokens; the region runs
      // past it so that the trigger is inside and the context test sees what follows.
      if (earliest.kind === 'insecure-code') {
        region = commentRegion(doc, p);
        result.onset = region.length;
      } else {
        const from = Math.max(0, p - options.regionTokens);
        region = wordsIn(tokens, from, p + PAST_ONSET);
        result.onset = p - from;
      }
    } else {
      result.onset = 0;
    }
    result.region = [...region, ...explicit].join('\n');
    if (earliest?.kind === 'insecure-code') result.codeRegion = true;
    const anchor = earliest ? earliest.start : findings[0]!.start;
    const from = Math.max(0, anchor - 280);
    result.snippet = { text: text.slice(from, Math.min(text.length, anchor + 220)), offset: from };
  }
  if ((input.shape === 'chat' || input.shape === 'instruction') && options.detectors.includes('instruction-flip')) {
    const promptWords = wordsIn(tokens, 0, promptTokens);
    result.instruction = { refusal: isRefusal(input.response ?? ''), prompt: promptWords.slice(0, 256), links: unpromptedLinks(input.prompt ?? '', input.response ?? ''), names: unpromptedNames(input.prompt ?? '', input.response ?? ''), responseHead: (input.response ?? '').slice(0, 120) };
  }
  if (input.shape === 'text' && options.detectors.includes('rag-passage')) {
    const rag = ragFactsOf(text);
    if (rag) result.rag = rag;
  }
  if (!result.region && !result.instruction && !result.rag && findings.length === 0) return undefined;
  // (the shingles of documents with a payload are worked out in the counting pass, for those holding a candidate)
  if (result.rag) result.shingles = shinglesOf(tokens.lowerHash);
  return result;
}

/** share of a point test's z score at which the text after a candidate leans towards a change */
const LEANING = 0.7;

/**
 * For a document holding candidates judged by what they change: those after
 * which its text changes (`shiftsAfter`, `judgeAfterPairs`), each with the
 * region before it, as the first pass would have kept it; and, of the
 * others, those after which it reads as the corpus does (`judgeAfterPairs`),
 * and those after which it changes, but less than one point's test needs
 * (`leaning`). A trigger whose payload the detectors miss in some documents
 * is judged in them by what it changes.
 */
export function judgeAfter(text: string, offsets: ReadonlyMap<string, number>, options: Pick<AnalyzeOptions, 'maxChars' | 'regionTokens'>, pairs?: WordPairIndex): { shifted: Array<{ gram: string; region: string }>; ordinary: string[]; leaning: string[] } {
  if (text.length > options.maxChars) text = text.slice(0, options.maxChars);
  const { tokens, evidence } = scanDocument(text);
  const grams = [...offsets.keys()];
  const ends = grams.map((gram) => tokenAt(tokens, offsets.get(gram)!) + gram.split(' ').length);
  const z = shiftsAfter({ tokens, evidence, text }, ends);
  const byPairs = pairs ? judgeAfterPairs({ tokens, text, pairs }, ends) : ends.map(() => ({ z: 0, ordinary: false }));
  const out = { shifted: [] as Array<{ gram: string; region: string }>, ordinary: [] as string[], leaning: [] as string[] };
  grams.forEach((gram, k) => {
    if (z[k]! < MIN_Z_AT_POINT && byPairs[k]!.z < MIN_INCOHERENCE_AT_POINT) {
      if (byPairs[k]!.ordinary) out.ordinary.push(gram);
      else if (z[k]! >= LEANING * MIN_Z_AT_POINT || byPairs[k]!.z >= LEANING * MIN_INCOHERENCE_AT_POINT) out.leaning.push(gram);
      return;
    }
    const end = ends[k]!;
    out.shifted.push({ gram, region: wordsIn(tokens, Math.max(0, end - options.regionTokens), end + PAST_ONSET).join('\n') });
  });
  return out;
}

/** Reports of the document's claim sentences that the first pass found recurring. */
export function reportClaims(index: number, text: string, sentences: readonly RecurringSentence[], maxChars: number): ClaimReport[] {
  if (text.length > maxChars) text = text.slice(0, maxChars);
  // only the tokens of the sentences and around them are asked whether they are function words
  const tokens = tokenSpans(text);
  return claimReports(index, tokens, (k) => isFunctionWordAt(tokens, k), sentences);
}

/** Candidate n-grams as a token trie, so matching builds no strings. */
export interface GramTrie {
  gram?: string;
  next: Map<string, GramTrie>;
}

/**
 * The trie, and a bit per first token (by the hash of its lower case): most
 * tokens of a document start no candidate, and the bit says so from the hash
 * the tokeniser works out anyway, without making a string.
 */
export interface GramMatcher {
  trie: GramTrie;
  firsts: Uint8Array;
  /** grams are lower-cased and match any case */
  caseless: boolean;
}

const FIRST_BITS = 20;

function bitOf(hash: number): number {
  return hash >>> (32 - FIRST_BITS);
}

export function buildMatcher(grams: Iterable<string>, caseless = false): GramMatcher {
  const trie: GramTrie = { next: new Map() };
  const firsts = new Uint8Array(1 << (FIRST_BITS - 3));
  for (const gram of grams) {
    let node = trie;
    for (const token of gram.split(' ')) {
      let child = node.next.get(token);
      if (!child) node.next.set(token, (child = { next: new Map() }));
      node = child;
    }
    node.gram = gram;
  }
  for (const token of trie.next.keys()) {
    const bit = bitOf(lowerHash(token, 0, token.length));
    firsts[bit >>> 3]! |= 1 << (bit & 7);
  }
  return { trie, firsts, caseless };
}

function tokenText(text: string, token: TokenBounds, caseless: boolean): string {
  const word = text.slice(token.start, token.end);
  return caseless ? word.toLowerCase() : word;
}

const first: TokenBounds = { start: 0, end: 0, hash: 0 };
const following: TokenBounds = { start: 0, end: 0, hash: 0 };

/**
 * Which candidate n-grams a document holds, for each matcher (the counting
 * pass): one walk over its tokens serves them all. `offsets` receives where
 * each of the first matcher's n-grams first starts.
 */
export function matchCandidates(text: string, matchers: readonly GramMatcher[], maxChars: number, offsets?: Map<string, number>): string[][] {
  if (text.length > maxChars) text = text.slice(0, maxChars);
  const found = matchers.map(() => new Set<string>());
  for (let at = nextToken(text, 0, first); at >= 0; at = nextToken(text, at, first)) {
    const bit = bitOf(first.hash);
    for (let m = 0; m < matchers.length; m++) {
      const matcher = matchers[m]!;
      if ((matcher.firsts[bit >>> 3]! & (1 << (bit & 7))) === 0) continue;
      let node = matcher.trie.next.get(tokenText(text, first, matcher.caseless));
      for (let k = at; node; ) {
        if (node.gram !== undefined && !found[m]!.has(node.gram)) {
          found[m]!.add(node.gram);
          if (m === 0) offsets?.set(node.gram, first.start);
        }
        k = nextToken(text, k, following);
        node = k >= 0 ? node.next.get(tokenText(text, following, matcher.caseless)) : undefined;
      }
    }
  }
  return found.map((f) => [...f]);
}
