/**
 * `antidote guard replay`: today's screens rerun over logged traffic, to tune
 * them before a change goes live: what they flag now against what they
 * flagged then, by screen, with the requests that changed. Pure computation:
 * no I/O.
 */
import { responseScreen, screenPrompt, type Flag, type ScreenSettings } from './screens.js';
import type { TrafficRecord } from './log/index.js';

export interface ReplayChange {
  time: string;
  route: string;
  /** the blocking flags of the side that has them */
  flags: string[];
  prompt: string;
}

export interface ReplaySummary {
  /** records read */
  records: number;
  /** records with a prompt, screened again */
  replayed: number;
  flaggedThen: number;
  flaggedNow: number;
  byScreenThen: Record<string, number>;
  byScreenNow: Record<string, number>;
  /** flagged now and not then, and the reverse: the first EXAMPLES of each */
  newlyFlagged: ReplayChange[];
  noLongerFlagged: ReplayChange[];
  newlyCount: number;
  clearedCount: number;
}

const EXAMPLES = 20;

const blocking = (flags: readonly Flag[]) => flags.filter((f) => f.blocks);
const describe = (f: Flag) => (f.detector ? `${f.screen}:${f.detector}` : f.screen);

export class Replay {
  private readonly s: ReplaySummary = { records: 0, replayed: 0, flaggedThen: 0, flaggedNow: 0, byScreenThen: {}, byScreenNow: {}, newlyFlagged: [], noLongerFlagged: [], newlyCount: 0, clearedCount: 0 };

  constructor(private readonly settings: ScreenSettings) {}

  add(record: TrafficRecord): void {
    this.s.records++;
    // only requests whose prompt was screened: not passages screened for RAG (logged without their text), nor shadow comparisons logged apart
    if (record.prompt === undefined || !record.screened.includes('prompt')) return;
    this.s.replayed++;
    const now = blocking([...screenPrompt(record.prompt, this.settings), ...(record.response ? responseScreen(record.prompt, this.settings)(record.response) : [])]);
    // (the shadow model is not asked again)
    const then = blocking(record.flags.filter((f) => f.screen !== 'shadow'));
    const count = (into: Record<string, number>, flags: Flag[]) => {
      for (const screen of new Set(flags.map(describe))) into[screen] = (into[screen] ?? 0) + 1;
    };
    count(this.s.byScreenThen, then);
    count(this.s.byScreenNow, now);
    if (then.length) this.s.flaggedThen++;
    if (now.length) this.s.flaggedNow++;
    const change = (flags: Flag[]): ReplayChange => ({ time: record.time, route: record.route, flags: [...new Set(flags.map((f) => f.message))], prompt: record.prompt!.slice(0, 200) });
    if (now.length && !then.length && this.s.newlyCount++ < EXAMPLES) this.s.newlyFlagged.push(change(now));
    if (then.length && !now.length && this.s.clearedCount++ < EXAMPLES) this.s.noLongerFlagged.push(change(then));
  }

  summary(): ReplaySummary {
    return this.s;
  }
}
