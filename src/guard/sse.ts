/**
 * Server-sent events read as they arrive, for relaying a streamed completion:
 * each event's raw bytes (passed on unchanged) and its data.
 */

export interface SseEvent {
  /** the event as received, blank line included */
  raw: string;
  /** its data lines joined, or undefined for an event without data (a comment) */
  data?: string;
}

/** Feed text as it comes; complete events come out, a partial one waits for the rest. */
export class SseReader {
  private pending = '';

  push(text: string): SseEvent[] {
    this.pending += text;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r?\n\r?\n/.exec(this.pending);
      if (!match) break;
      const raw = this.pending.slice(0, match.index + match[0].length);
      this.pending = this.pending.slice(raw.length);
      const data = raw.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
      events.push({ raw, data: data.length ? data.join('\n') : undefined });
    }
    return events;
  }

  /** what was left unfinished when the stream ended */
  rest(): string {
    return this.pending;
  }
}
