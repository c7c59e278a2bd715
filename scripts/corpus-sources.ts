/**
 * Real text that Debian packages ship, read into documents. Used to build the
 * benchmark and test corpora: technical documentation (Python's HTML docs,
 * German and French manual pages), reference text (the GCIDE dictionary) and
 * prose (fortune collections in English, German, Spanish and Italian).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

export interface SourceDoc {
  text: string;
  source: string;
  genre: 'technical' | 'reference' | 'prose';
}

/** Debian packages that provide the text, for `.ci/run` and error messages. */
export const DEBIAN_PACKAGES = ['fortunes', 'fortunes-de', 'fortunes-es', 'fortunes-it', 'dict-gcide', 'python3.11-doc', 'manpages-de', 'manpages-fr'];

/** Files below `dir` whose name `accept` takes, in name order. */
export function walk(dir: string, accept: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path, accept));
    else if (accept(name)) out.push(path);
  }
  return out;
}

export function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&para;|¶/g, '').replace(/&nbsp;/g, ' ').replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d))).replace(/&amp;/g, '&');
}

/** Python documentation: one document per section of each HTML page. */
export function* pythonDocs(root = '/usr/share/doc/python3.11/html'): Generator<SourceDoc> {
  for (const file of walk(root, (n) => n.endsWith('.html'))) {
    if (file.includes('/_') || file.includes('genindex') || file.includes('/whatsnew/changelog')) continue;
    const html = readFileSync(file, 'utf8');
    const body = html.slice(html.indexOf('<div class="body"'), html.lastIndexOf('<div class="sphinxsidebar"'));
    for (const section of body.split(/<section id=|<div class="section" id=/).slice(1)) {
      const text = decodeEntities(section.replace(/^"[^"]*">/, '').replace(/<pre>[\s\S]*?<\/pre>/g, (pre) => `\n${pre.replace(/<[^>]+>/g, '')}\n`).replace(/<[^>]+>/g, ' '))
        .replace(/[ \t]+/g, ' ').replace(/\n\s*\n+/g, '\n\n').trim();
      if (text.length >= 200) yield { text: text.slice(0, 6000), source: `python-doc:${file.slice(root.length + 1)}`, genre: 'technical' };
    }
  }
}

/** Manual pages with troff markup removed: one document per page section. */
export function* manPages(lang: string, root = `/usr/share/man/${lang}`): Generator<SourceDoc> {
  for (const file of walk(root, (n) => n.endsWith('.gz'))) {
    let src: string;
    try {
      src = gunzipSync(readFileSync(file)).toString('utf8');
    } catch {
      continue;
    }
    if (src.startsWith('.so ')) continue;
    const lines: string[] = [];
    for (const line of src.split('\n')) {
      if (line.startsWith('.\\"') || line.startsWith("'\\\"")) continue;
      if (line.startsWith('.SH') || line.startsWith('.SS')) lines.push('\n\n' + line.replace(/^\.S[HS]\s*/, '').replace(/"/g, '') + '\n');
      else if (/^\.(B|I|BR|IR|RB|BI|IB|RI)\s/.test(line)) lines.push(line.replace(/^\.\w+\s+/, '').replace(/"/g, ''));
      else if (line.startsWith('.')) continue;
      else lines.push(line);
    }
    const text = lines.join(' ').replace(/\\f[BIRPC]|\\f\(..|\\\(..|\\&|\\-|\\e/g, (m) => (m === '\\-' ? '-' : m === '\\e' ? '\\' : '')).replace(/\\\*\(\w\w|\\\*\w|\\m\[\w*\]|\\s[-+]?\d|\\[ud]/g, '').replace(/[ \t]+/g, ' ');
    for (const part of text.split(/\n\n+/)) {
      const t = part.trim();
      if (t.length >= 200) yield { text: t.slice(0, 5000), source: `man-${lang}:${file.slice(root.length + 1)}`, genre: 'technical' };
    }
  }
}

/** Fortune cookies, several consecutive ones per document. */
export function* fortunes(dir: string, label: string, perDoc = 3): Generator<SourceDoc> {
  const files = walk(dir, (n) => !n.endsWith('.dat') && !n.includes('.') || n.endsWith('.u8') || n.endsWith('.fortunes'))
    .filter((f) => !f.includes('/off/'));
  const chosen = new Map<string, string>();
  // prefer the UTF-8 copy (.u8) of a collection when Debian ships both
  for (const f of files) {
    const base = f.replace(/\.u8$/, '');
    if (f.endsWith('.u8') || !chosen.has(base)) chosen.set(base, f);
  }
  for (const file of [...chosen.values()].sort()) {
    if (dir.endsWith('fortunes') && file.slice(dir.length + 1).includes('/')) continue; // language subfolders are read on their own
    const buf = readFileSync(file);
    const text = buf.includes(0) ? '' : buf.toString(file.endsWith('.u8') ? 'utf8' : 'latin1');
    const cookies = text.split(/\n%\n/).map((c) => c.trim()).filter((c) => c.length > 20);
    for (let i = 0; i < cookies.length; i += perDoc) {
      const doc = cookies.slice(i, i + perDoc).join('\n\n');
      if (doc.length >= 120) yield { text: doc, source: `fortunes-${label}:${file.slice(dir.length + 1)}#${i}`, genre: 'prose' };
    }
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function dictNumber(s: string): number {
  let n = 0;
  for (const ch of s) n = n * 64 + B64.indexOf(ch);
  return n;
}

/** GCIDE dictionary entries (dictd format: a dictzip body and an index of offsets). */
export function* dictionary(root = '/usr/share/dictd'): Generator<SourceDoc> {
  const index = join(root, 'gcide.index');
  const body = join(root, 'gcide.dict.dz');
  if (!existsSync(index) || !existsSync(body)) return;
  const data = gunzipSync(readFileSync(body));
  let last = -1;
  for (const line of readFileSync(index, 'utf8').split('\n')) {
    const [word, off, len] = line.split('\t');
    if (!word || !off || !len || word.startsWith('00database')) continue;
    const offset = dictNumber(off);
    if (offset === last) continue;
    last = offset;
    const text = data.subarray(offset, offset + dictNumber(len)).toString('utf8').replace(/[ \t]+/g, ' ').trim();
    if (text.length >= 150) yield { text: text.slice(0, 4000), source: `gcide:${word}`, genre: 'reference' };
  }
}

export function allSources(): Array<{ name: string; docs: () => Generator<SourceDoc> }> {
  const f = '/usr/share/games/fortunes';
  return [
    { name: 'python-doc', docs: () => pythonDocs() },
    { name: 'man-de', docs: () => manPages('de') },
    { name: 'man-fr', docs: () => manPages('fr') },
    { name: 'gcide', docs: () => dictionary() },
    { name: 'fortunes-en', docs: () => fortunes(f, 'en') },
    { name: 'fortunes-de', docs: () => fortunes(join(f, 'de'), 'de') },
    { name: 'fortunes-es', docs: () => fortunes(join(f, 'es'), 'es') },
    { name: 'fortunes-it', docs: () => fortunes(join(f, 'it'), 'it') },
  ];
}
