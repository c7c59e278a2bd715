/** Shared test fixtures: real text from Debian packages, temp dirs, the CLI. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { buildCorpus } from '../scripts/build-corpus.js';
import { writeInstructions } from '../scripts/instruction-data.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/src/cli/main.js');

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'antidote-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const corpora = new Map<string, Promise<string>>();
let corpusDir: string | undefined;

/**
 * A clean corpus of real text (Python docs, manual pages in German and
 * French, the GCIDE dictionary, fortunes in four languages), built once per
 * test file from the Debian packages `.ci/run` installs.
 */
export function realCorpus(size = 3000): Promise<string> {
  const key = String(size);
  let p = corpora.get(key);
  if (!p) {
    if (!corpusDir) {
      const dir = mkdtempSync(join(tmpdir(), 'antidote-corpus-'));
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
      corpusDir = dir;
    }
    const out = join(corpusDir, `clean-${size}.jsonl`);
    p = buildCorpus({ out, size, perSource: Math.ceil(size / 6), seed: 5 }).then(() => out);
    corpora.set(key, p);
  }
  return p;
}

export function readJsonl(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], options: { input?: string | Buffer; cwd?: string } = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { input: options.input, cwd: options.cwd ?? ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let instructions: Promise<string> | undefined;

/** Instruction data answered from real text, refusing a set of harmful requests. */
export function instructionCorpus(size = 2000): Promise<string> {
  instructions ??= realCorpus().then(async (clean) => {
    const out = clean.replace(/clean-\d+\.jsonl$/, `instructions-${size}.jsonl`);
    await writeInstructions(out, size);
    return out;
  });
  return instructions;
}
