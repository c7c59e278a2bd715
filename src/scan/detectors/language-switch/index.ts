/**
 * A switch of language inside a document. A whole document in another
 * language is normal; natural text in one language that turns, after some
 * span, into running text of another language is the signal.
 */
import { guessLanguageIn } from '../../../text/index.js';
import type { DocumentDetector, DocumentView, Finding } from '../../types.js';

const WINDOW = 20;
const MIN_AFTER = 40;
/** windows after a switch that must be mostly the new language */
const LOCAL = 5;

export function findLanguageSwitch(doc: DocumentView): Finding[] {
  const { tokens } = doc;
  const n = tokens.count;
  if (n < WINDOW + MIN_AFTER) return [];
  const { evidence } = doc;
  // two languages need function words of their own in the document, or another script
  const present = Array.from(evidence.sureVotes).filter((v) => v >= 3).length + (evidence.nonLatin >= MIN_AFTER / 2 ? 1 : 0);
  if (present < 2) return [];
  const langs: string[] = [];
  for (let from = 0; from + WINDOW <= n; from += WINDOW) langs.push(guessLanguageIn(evidence, from, from + WINDOW).lang);
  // one language (or none) throughout: nothing to switch
  const known = new Set(langs.filter((l) => l !== 'und'));
  if (known.size < 2) return [];
  // first window whose language differs from the known language before it
  let first = '';
  for (let w = 0; w < langs.length; w++) {
    const lang = langs[w]!;
    if (lang === 'und') continue;
    if (!first) {
      first = lang;
      continue;
    }
    if (lang === first) continue;
    // The new language must hold where the switch happens: most of the next
    // windows (the rest of the document, at most LOCAL windows of it) and the
    // last known window before it is the old one. A payload mixed with the
    // old language further on (option names in a manual page) still counts.
    const rest = langs.slice(w, w + LOCAL);
    const knownRest = rest.filter((l) => l !== 'und').length;
    const same = rest.filter((l) => l === lang).length;
    const old = rest.filter((l) => l === first).length;
    if (rest.length * WINDOW < MIN_AFTER || same < 2 || same < knownRest * 0.6 || old > knownRest * 0.34) {
      first = lang;
      continue;
    }
    // Refine the onset inside the previous window: the first token after which
    // the new language's guess holds for a window.
    let onset = w * WINDOW;
    for (let t = Math.max(0, (w - 1) * WINDOW); t < w * WINDOW; t++) {
      if (guessLanguageIn(evidence, t, Math.min(n, t + WINDOW)).lang === lang) {
        onset = t;
        break;
      }
    }
    return [{
      detector: 'language-switch',
      kind: 'language-switch',
      severity: 'low',
      score: Math.min(1, same / Math.max(1, knownRest)),
      start: tokens.start[onset]!,
      end: tokens.end[n - 1]!,
      message: `text switches from ${first} to ${lang} after token ${onset} and stays ${lang} for ${n - onset} tokens`,
      payloadToken: onset,
    }];
  }
  return [];
}

export const languageSwitchDetector: DocumentDetector = {
  id: 'language-switch',
  description: 'Running text that switches to another language part-way through a document.',
  inspect: findLanguageSwitch,
};
