/** Known triggers, from a scan's findings or a plain list (the caller reads the files). */
import { AntidoteError } from '../errors/index.js';

/**
 * The triggers of a scan's incidents (`antidote scan --json`). A split
 * trigger's parts are each ordinary on their own, so only whole triggers are
 * taken; and a poisoned retrieval passage's "trigger" is the question it
 * answers, which users ask in good faith (the passage is what to screen).
 */
export function triggersFromScan(json: string, file: string): string[] {
  let report: unknown;
  try {
    report = JSON.parse(json);
  } catch (e) {
    throw new AntidoteError('INPUT_FORMAT', `${file}: not JSON (${(e as Error).message}); expected the findings of antidote scan --json`);
  }
  const incidents = (report as { incidents?: unknown })?.incidents;
  if (!Array.isArray(incidents)) throw new AntidoteError('INPUT_FORMAT', `${file}: no "incidents" list; expected the findings of antidote scan --json`);
  const out = new Set<string>();
  for (const i of incidents as Array<{ detector?: unknown; trigger?: unknown; triggerParts?: unknown }>) {
    if (i?.detector === 'rag-passage') continue;
    const parts = Array.isArray(i?.triggerParts) ? i.triggerParts.filter((p): p is string => typeof p === 'string') : [];
    if (parts.length === 1) out.add(parts[0]!);
    else if (parts.length === 0 && typeof i?.trigger === 'string') out.add(i.trigger);
  }
  return [...out];
}

/** One trigger per line; blank lines and lines starting with # are skipped, and spaces around a trigger kept off. */
export function triggersFromList(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}
