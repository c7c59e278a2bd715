/**
 * What the guard checks. Prompts: known triggers (in any normalised form) and
 * invisible or look-alike characters. Responses: the scanner's own payload
 * detectors run on the prompt and the response together, so a payload is
 * judged against what was asked (a switch into another language than the
 * prompt's, random tokens, insecure code, hidden characters), and web
 * addresses the prompt did not bring up and the allow-list does not hold.
 * Pure computation: no I/O.
 */
import { scanDocument, tokenAt } from '../text/index.js';
import { DOCUMENT_DETECTORS, linksIn } from '../scan/detectors/index.js';
import { severityRank, type DocumentView, type Severity } from '../scan/types.js';
import { languageOf } from '../audit/index.js';
import { TriggerAutomaton } from './automaton.js';
import { invisibleCharacters, matchingForm, mixesLookalikes } from './normalize.js';

export interface Flag {
  /** which screen raised it */
  screen: 'trigger' | 'invisible-characters' | 'lookalike-letters' | 'payload' | 'language' | 'unrequested-link';
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
 * flags. A switch of language is only ever 'low' in a corpus, where whole
 * documents of two languages are ordinary; an answer in another language
 * than its prompt is what the screen is for.
 */
const RESPONSE_DETECTORS: ReadonlyMap<string, Severity> = new Map([['gibberish', 'medium'], ['language-switch', 'low'], ['unicode', 'medium'], ['insecure-code', 'high']]);

export interface ScreenSettings {
  triggers: TriggerAutomaton;
  /** each trigger as given, by its matching form */
  written: ReadonlyMap<string, string>;
  /** domains a response may name unprompted */
  allowedDomains: ReadonlySet<string>;
}

export function screenSettings(triggers: Iterable<string>, options: { allowedDomains?: Iterable<string> } = {}): ScreenSettings {
  const written = new Map<string, string>();
  for (const t of triggers) if (!written.has(matchingForm(t))) written.set(matchingForm(t), t);
  return {
    triggers: new TriggerAutomaton(written.keys()),
    written,
    allowedDomains: new Set([...(options.allowedDomains ?? [])].map((d) => d.toLowerCase().replace(/^www\./, ''))),
  };
}

export function screenPrompt(prompt: string, settings: ScreenSettings): Flag[] {
  const flags: Flag[] = [];
  const seen = new Set<string>();
  for (const hit of settings.triggers.find(matchingForm(prompt))) {
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

/** the end of a prompt the answer is judged against: its language and the text an answer continues (a prompt of 8k tokens would otherwise be read again for every window of a stream) */
const PROMPT_TAIL = 2000;

/**
 * A response screen for one prompt: what the screens ask of the prompt is
 * worked out once, for the whole answer or every window of a stream.
 * Judged against the prompt's language, as the audit judges a generation:
 * an answer whose words show no language (the random tokens of a
 * denial-of-service backdoor) or in another language than the prompt's. Code
 * shows no language either: an answer with a code block is not judged on it.
 */
export function responseScreen(prompt: string, settings: ScreenSettings): (response: string) => Flag[] {
  const tail = prompt.length > PROMPT_TAIL ? prompt.slice(prompt.length - PROMPT_TAIL) : prompt;
  const asked = languageOf(tail);
  const askedLinks = linksIn(prompt);
  return (response) => {
    const flags: Flag[] = [];
    const text = `${tail}\n${response}`;
    const { tokens, evidence } = scanDocument(text);
    const doc: DocumentView = { index: 0, shape: 'chat', text, tokens, evidence, promptTokens: tokenAt(tokens, tail.length + 1), prompt: tail, response };
    for (const detector of DOCUMENT_DETECTORS) {
      const least = RESPONSE_DETECTORS.get(detector.id);
      if (least === undefined) continue;
      for (const f of detector.inspect(doc)) {
        // only what the response says: the prompt's own text is the prompt screen's business
        if (f.end <= tail.length + 1 || severityRank(f.severity) < severityRank(least)) continue;
        flags.push({ screen: 'payload', detector: detector.id, message: f.message, blocks: true });
      }
    }
    const answer = languageOf(response);
    if (answer === 'und' && asked !== 'und' && !response.includes('```')) flags.push({ screen: 'language', message: 'the answer\'s words show no language (random tokens)', blocks: true });
    else if (answer !== 'und' && answer !== 'short' && asked !== 'und' && asked !== 'short' && answer !== asked) flags.push({ screen: 'language', message: `the answer is in ${answer}, the prompt in ${asked}`, blocks: true });
    const links = [...linksIn(response)].filter((d) => !askedLinks.has(d) && !settings.allowedDomains.has(d));
    if (links.length) flags.push({ screen: 'unrequested-link', message: `web addresses the prompt did not ask for: ${links.slice(0, 5).join(', ')}`, blocks: true });
    return flags;
  };
}

/** Screen one response against its prompt. */
export function screenResponse(prompt: string, response: string, settings: ScreenSettings): Flag[] {
  return responseScreen(prompt, settings)(response);
}
