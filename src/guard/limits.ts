/**
 * A time limit per screen. Screens are synchronous code on the request
 * thread, so a limit that only measured them afterwards would bound nothing;
 * each screen runs instead under `vm`'s timeout, whose watchdog stops the
 * running JavaScript when the time is up, wherever it is. What then happens
 * to the request is the settings' choice: fail open (it goes on, logged as
 * not screened by that screen) or fail closed (a blocking flag, as if the
 * screen had found something). Starting the watchdog costs about 0.1 ms per
 * screen, so no limit is the default.
 */
import { Script, createContext } from 'node:vm';
import type { Flag } from './screens.js';

export interface ScreenLimitSettings {
  /** longest a screen may run, ms */
  ms: number;
  /** open: the request goes on without that screen's verdict; closed: it is treated as flagged */
  onTimeout: 'open' | 'closed';
}

/** what `ScreenLimit.run` gives for a screen it stopped */
export const STOPPED = Symbol('stopped');

export class ScreenLimit {
  private readonly context = createContext({ task: undefined as undefined | (() => unknown) });
  private readonly script = new Script('task()');

  constructor(readonly settings: ScreenLimitSettings) {}

  /** What `screen` gives, or STOPPED when it runs over the limit. */
  run<T>(screen: () => T): T | typeof STOPPED {
    this.context.task = screen;
    try {
      return this.script.runInContext(this.context, { timeout: this.settings.ms }) as T;
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw e;
      return STOPPED;
    } finally {
      this.context.task = undefined;
    }
  }

  /** The flag a stopped screen leaves: blocking when failing closed. */
  stoppedFlag(name: string): Flag {
    const closed = this.settings.onTimeout === 'closed';
    return { screen: 'time-limit', message: `the ${name} screen ran over its limit of ${this.settings.ms} ms and was stopped; ${closed ? 'treated as flagged (fail closed)' : 'let through unscreened (fail open)'}`, blocks: closed };
  }
}
