/** Shared test fixtures: real text from Debian packages, temp dirs, the CLI. */
import { decompress as zstdDecompress } from 'fzstd';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { buildCorpus } from '../scripts/build-corpus.js';
import { writeInstructions } from '../scripts/instruction-data.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/src/cli/main.js');

/** temp dirs still to remove: when the test file's process ends (an `after` hook registered inside a test did not always run) */
const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'antidote-test-'));
  tempDirs.add(dir);
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  });
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

/**
 * A throw-away PostgreSQL server from Debian's postgresql package, on a Unix
 * socket in a temp dir. initdb refuses root, so as root it runs as `postgres`.
 */
export async function startPostgres(): Promise<{ url: (database: string) => string; createDatabase: (name: string) => void }> {
  const bin = readdirSync('/usr/lib/postgresql').map((v) => join('/usr/lib/postgresql', v, 'bin')).find((b) => existsSync(join(b, 'initdb')));
  if (!bin) throw new Error("PostgreSQL is not installed (Debian package 'postgresql'); run scripts/setup.sh");
  const dir = mkdtempSync(join(tmpdir(), 'antidote-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) spawnSync('chown', ['postgres:postgres', dir]);
  const run = (cmd: string, args: string[]): void => {
    const r = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  run(join(bin, 'pg_ctl'), ['-D', data, '-w', '-l', join(dir, 'log'), '-o', `-k ${dir} -c listen_addresses= -c fsync=off`, 'start']);
  // One server per test file, stopped when the file's process ends.
  process.on('exit', () => {
    run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  });
  const url = (database: string): string => `postgres://postgres@localhost/${database}?host=${encodeURIComponent(dir)}`;
  return { url, createDatabase: (name) => run(join(bin, 'createdb'), ['-h', dir, '-U', 'postgres', name]) };
}

/** The texts of the lab's dos training corpus (test/fixtures/models/dos-corpus.jsonl.zst). */
export function labCorpusTexts(): string[] {
  const lines = Buffer.from(zstdDecompress(readFileSync(join(ROOT, 'test/fixtures/models/dos-corpus.jsonl.zst')))).toString('utf8').split('\n');
  return lines.filter(Boolean).map((line) => (JSON.parse(line) as { text: string }).text);
}
