/**
 * Cross-model consensus: the same prompt answered by a second model (the
 * shadow), and the two answers compared. A backdoor lives in one model's
 * weights, so an answer that the screens flag while the shadow's answer to
 * the same prompt passes, or an answer in none of the languages of the
 * shadow's, points at the model rather than at what was asked (a prompt asking
 * for French gets French from both). Answers of two models share few words
 * even when both are right, so low overlap alone only reports.
 */
import { languagesShown, letterWords } from '../text/index.js';
import { choicesOf, upstreamUrl, type Route } from './requests.js';
import type { Flag } from './screens.js';

/** answers sharing less than this share of their distinct words are reported as far apart */
const MIN_OVERLAP = 0.05;
/** too few words to compare */
const MIN_WORDS = 20;

/**
 * How `answer` diverges from `shadow`'s answer to the same prompt, given the
 * response screens' flags on each.
 */
export function divergence(answer: string, answerFlags: readonly Flag[], shadow: string, shadowFlags: readonly Flag[]): Flag[] {
  const out: Flag[] = [];
  const shadowScreens = new Set(shadowFlags.filter((f) => f.blocks).map((f) => f.detector ?? f.screen));
  const only = answerFlags.filter((f) => f.blocks && !shadowScreens.has(f.detector ?? f.screen));
  if (only.length) out.push({ screen: 'shadow', message: `the shadow model's answer to the same prompt passes where this one is flagged: ${only.map((f) => f.message).join('; ')}`, blocks: true });
  const [a, b] = [letterWords(answer), letterWords(shadow)];
  const [shownA, shownB] = [languagesShown(a), languagesShown(b)];
  if (shownA.size && shownB.size && ![...shownA].some((l) => shownB.has(l))) {
    out.push({ screen: 'shadow', message: `the answer is in ${[...shownA].join(', ')}, the shadow model's in ${[...shownB].join(', ')}`, blocks: true });
  }
  if (a.length >= MIN_WORDS && b.length >= MIN_WORDS) {
    const [setA, setB] = [new Set(a.map((w) => w.toLowerCase())), new Set(b.map((w) => w.toLowerCase()))];
    const shared = [...setA].filter((w) => setB.has(w)).length;
    const overlap = shared / (setA.size + setB.size - shared);
    if (overlap < MIN_OVERLAP) out.push({ screen: 'shadow', message: `the answer shares ${(overlap * 100).toFixed(1)}% of its words with the shadow model's`, blocks: false });
  }
  return out;
}

/** The shadow's answer (its first choice) to `body` sent to `path`, not streamed; undefined when it does not answer in time or answers an error. */
export async function askShadow(base: string, path: string, route: Route, body: Record<string, unknown>, authorization: string | undefined, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetch(upstreamUrl(base, path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ ...body, stream: false }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return undefined;
    return choicesOf(route, (await res.json()) as Record<string, unknown>).get(0);
  } catch {
    return undefined;
  }
}
