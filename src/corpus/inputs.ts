/** Turn command-line inputs (paths, directories, globs, `-`) into sources. */
import { stat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { AntidoteError } from '../errors/index.js';
import { formatFromName } from './readers/index.js';
import type { InputSource } from './types.js';

const GLOB_CHARS = /[*?[{]/;

export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        const slash = pattern[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '{') {
      const close = pattern.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += `(?:${pattern.slice(i + 1, close).split(',').map(escape).join('|')})`;
        i = close;
      }
    } else re += escape(ch);
  }
  return new RegExp(`^${re}$`);
}

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(path)));
    else if (e.isFile()) out.push(path);
  }
  return out;
}

function sourceFor(path: string, format: string | undefined, fallback: string): InputSource {
  return { path, name: path, format: format ?? formatFromName(path) ?? fallback };
}

/**
 * Expand inputs in the order given. Files in directories and glob matches
 * are sorted so that record order, and hence ids, are stable across runs.
 * `-` means standard input, which the caller spools to `stdinPath`.
 */
export async function expandInputs(inputs: readonly string[], options: { format?: string; stdinPath?: string } = {}): Promise<InputSource[]> {
  const sources: InputSource[] = [];
  for (const input of inputs) {
    if (input === '-') {
      if (!options.stdinPath) throw new AntidoteError('USAGE', 'standard input was named but not spooled');
      sources.push({ path: options.stdinPath, name: '<stdin>', format: options.format ?? 'jsonl' });
      continue;
    }
    if (GLOB_CHARS.test(input)) {
      const parts = input.split('/');
      const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
      const base = parts.slice(0, firstGlob).join('/') || '.';
      const matcher = globToRegExp(parts.slice(firstGlob).join('/'));
      let files: string[] = [];
      try {
        files = await walk(base);
      } catch {
        files = [];
      }
      const matched = files.filter((f) => matcher.test(relative(base, f).split(sep).join('/')));
      if (matched.length === 0) throw new AntidoteError('INPUT_NOT_FOUND', 'the pattern matches no file', { file: input });
      for (const f of matched) sources.push(sourceFor(f, options.format, 'text'));
      continue;
    }
    let info;
    try {
      info = await stat(input);
    } catch {
      throw new AntidoteError('INPUT_NOT_FOUND', 'no such file or directory', { file: input });
    }
    if (info.isDirectory()) {
      const files = await walk(input);
      if (files.length === 0) throw new AntidoteError('INPUT_NOT_FOUND', 'the directory holds no file', { file: input });
      // In a directory, unknown extensions are plain-text documents.
      for (const f of files) sources.push(sourceFor(f, options.format, 'text'));
    } else {
      sources.push(sourceFor(input, options.format, 'jsonl'));
    }
  }
  return sources;
}
