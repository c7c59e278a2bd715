/**
 * Candidate triggers for the probes: a file of the user's, or the incidents
 * of an `antidote scan` findings file (closing the loop from data to model).
 */
import { AntidoteError } from '../errors/index.js';
import type { TriggerCandidate } from './probes/differential.js';
import { readText } from './read.js';

/** One trigger per line; blank lines and lines starting with '#' are skipped. */
export async function candidatesFromFile(file: string): Promise<TriggerCandidate[]> {
  const lines = (await readText(file, 'triggers')).split('\n');
  const out: TriggerCandidate[] = [];
  lines.forEach((line, i) => {
    const trigger = line.replace(/\r$/, '');
    if (trigger.trim() === '' || trigger.startsWith('#')) return;
    out.push({ trigger: trigger.trim(), source: `${file}:${i + 1}` });
  });
  if (out.length === 0) throw new AntidoteError('INPUT_FORMAT', 'no triggers in the file (one per line)', { file });
  return out;
}

/** Triggers of the incidents in a scan's JSON findings (`antidote scan --json`). */
export async function candidatesFromScan(file: string): Promise<TriggerCandidate[]> {
  let findings: unknown;
  try {
    findings = JSON.parse(await readText(file, 'scan findings'));
  } catch (error) {
    if (error instanceof AntidoteError) throw error;
    throw new AntidoteError('INPUT_FORMAT', `not JSON: ${(error as Error).message}; expected the file 'antidote scan --json' writes`, { file });
  }
  const incidents = (findings as { incidents?: unknown }).incidents;
  if (!Array.isArray(incidents)) throw new AntidoteError('INPUT_FORMAT', "no 'incidents' array; expected the file 'antidote scan --json' writes", { file });
  const seen = new Set<string>();
  const out: TriggerCandidate[] = [];
  for (const incident of incidents as Array<Record<string, unknown>>) {
    if (typeof incident.trigger !== 'string' || incident.trigger.trim() === '' || seen.has(incident.trigger)) continue;
    seen.add(incident.trigger);
    out.push({ trigger: incident.trigger, source: `scan ${String(incident.id)} (${String(incident.detector)}, ${String(incident.payload)})` });
  }
  return out;
}
