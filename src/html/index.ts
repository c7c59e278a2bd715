/**
 * HTML built by a tagged template that escapes every value it is given, so
 * a trigger holding markup or script is shown as text. Only `Html` values
 * (made by `html` itself) pass through unescaped.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(value: Part): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** JSON for a `<script type="application/json">` block: `<` escaped so no text can close the element. */
export function jsonBlock(id: string, value: unknown): Html {
  return new Html(`<script type="application/json" id="${escapeHtml(id)}">${JSON.stringify(value).replace(/</g, '\\u003c')}</script>`);
}

/** A snippet with its marked ranges (trigger, payload) wrapped in <mark>, every part escaped. */
export function marked(snippet: string, marks: ReadonlyArray<{ start: number; end: number; role: string }>): Html {
  const sorted = [...marks].sort((a, b) => a.start - b.start);
  const parts: Html[] = [];
  let at = 0;
  for (const m of sorted) {
    if (m.start < at || m.end <= m.start) continue;
    parts.push(html`${snippet.slice(at, m.start)}<mark class="${m.role}">${snippet.slice(m.start, m.end)}</mark>`);
    at = m.end;
  }
  parts.push(html`${snippet.slice(at)}`);
  return html`${parts}`;
}
