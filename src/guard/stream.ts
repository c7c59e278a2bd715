/**
 * A streamed completion relayed event by event. Each event is passed on as it
 * arrives; the text of each choice is kept as a window of its last
 * `window` characters, and screened every `step` characters and at the end.
 * A flag in blocking mode cuts the stream with an error event inside it (the
 * OpenAI clients raise it as an error), and the upstream request is dropped.
 * Nothing is kept beyond the windows.
 */
import type { ServerResponse } from 'node:http';
import { SseReader } from './sse.js';
import { deltasOf, type Route } from './requests.js';
import type { Flag } from './screens.js';

export interface StreamScreening {
  route: Route;
  /** characters of each choice's text screened together */
  window: number;
  /** new characters between two screenings */
  step: number;
  /** flags for a window of a choice's text */
  screen: (text: string) => Flag[];
  /** cut the stream when a window is flagged (else only report it) */
  block: boolean;
  /** characters of the first choice's text kept for the outcome */
  keep: number;
}

export interface StreamOutcome {
  flags: Flag[];
  cut: boolean;
  /** the first choice's text as it arrived, up to `keep` characters (for the traffic log) */
  answer: string;
  /** the upstream's stream ended in the middle of an event, or sent data that is not JSON */
  broken?: string;
}

/** An error event in the form OpenAI's streams carry errors. */
export function errorEvent(message: string, code: string, extra: Record<string, unknown> = {}): string {
  const type = code === 'content_filter' ? 'invalid_request_error' : 'upstream_error';
  return `data: ${JSON.stringify({ error: { message, type, code, ...extra } })}\n\n`;
}

export async function relayStream(body: AsyncIterable<Uint8Array>, res: ServerResponse, s: StreamScreening): Promise<StreamOutcome> {
  const reader = new SseReader();
  const decoder = new TextDecoder();
  const windows = new Map<number, { text: string; unscreened: number }>();
  const flags: Flag[] = [];
  let answer = '';
  const screenWindow = (w: { text: string; unscreened: number }) => {
    w.unscreened = 0;
    const found = s.screen(w.text);
    flags.push(...found);
    return found.some((f) => f.blocks);
  };
  /** the last characters of every choice, screened; whether a window that blocks was found */
  const screenRest = () => {
    let flagged = false;
    for (const w of windows.values()) if (w.unscreened > 0 && screenWindow(w)) flagged = true;
    return flagged;
  };
  const cut = (found: Flag[]) => {
    res.end(errorEvent(`response flagged by the guard: ${found.map((f) => f.message).join('; ')}`, 'content_filter', { antidote: found }));
    return { flags, cut: true, answer };
  };
  const chunks = body[Symbol.asyncIterator]();
  for (;;) {
    let read: IteratorResult<Uint8Array>;
    try {
      read = await chunks.next();
    } catch (e) {
      res.end(errorEvent(`the upstream stream broke: ${(e as Error).message}`, 'upstream_error'));
      return { flags, cut: false, broken: `broke: ${(e as Error).message}`, answer };
    }
    if (read.done) break;
    for (const event of reader.push(decoder.decode(read.value, { stream: true }))) {
      if (event.data !== undefined && event.data !== '[DONE]') {
        let chunk: Record<string, unknown>;
        try {
          chunk = JSON.parse(event.data);
        } catch {
          res.end(errorEvent('the upstream sent a stream event that is not JSON', 'upstream_error'));
          return { flags, cut: false, broken: 'an event that is not JSON', answer };
        }
        let flagged = false;
        for (const [index, delta] of deltasOf(s.route, chunk)) {
          let w = windows.get(index);
          if (!w) windows.set(index, (w = { text: '', unscreened: 0 }));
          if (index === 0 && answer.length < s.keep) answer += delta.slice(0, s.keep - answer.length);
          w.text = (w.text + delta).slice(-s.window);
          w.unscreened += delta.length;
          if (w.unscreened >= s.step && screenWindow(w)) flagged = true;
        }
        if (flagged && s.block) return cut(flags);
      }
      if (event.data === '[DONE]') {
        // the last characters, screened before the client hears the stream is complete
        const before = flags.length;
        if (screenRest() && s.block) return cut(flags.slice(before));
      }
      res.write(event.raw);
    }
  }
  // a stream that ended without [DONE]: its last characters still screened
  const before = flags.length;
  if (screenRest() && s.block) return cut(flags.slice(before));
  if (reader.rest().trim()) {
    res.end(errorEvent('the upstream stream ended in the middle of an event', 'upstream_error'));
    return { flags, cut: false, broken: 'ended in the middle of an event', answer };
  }
  res.end();
  return { flags, cut: false, answer };
}
