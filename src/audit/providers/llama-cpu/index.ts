/**
 * Which of llama.cpp's CPU kernels run a local model. node-llama-cpp ships
 * one library per CPU generation (x64 baseline, sse42, haswell, skylakex,
 * zen4, sapphirerapids... on x86-64; armv8.0 to armv9.2 on arm64) and loads
 * the best one the processor supports, so the same model computes with other
 * floating-point paths on other machines. Choosing the variant (the portable
 * baseline, or another machine's, where this CPU can run it) shows whether a
 * verdict depends on it.
 *
 * The choice must be made before node-llama-cpp is first imported in the
 * process: a resolution hook points its platform package at a copy whose
 * binaries directory holds links to the libraries, of the CPU variants only
 * the chosen one. The package's own files are copied, not linked: Node.js
 * resolves a linked module to its real place, and the package finds its
 * binaries next to itself.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, rmSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AntidoteError } from '../../../errors/index.js';

/** The portable variant of each architecture's package. */
const GENERIC: Record<string, string> = { x64: 'x64', arm64: 'armv8.0_1' };

/** A CPU variant's library in the binaries directory, e.g. libggml-cpu-zen4.so: its variant is the capture. */
const CPU_LIBRARY = /^libggml-cpu-(.+)\.(so|dylib|dll)$/;

let chosen: string | undefined;

function platformPackage(): string {
  return `@node-llama-cpp/${process.platform === 'win32' ? 'win' : process.platform === 'darwin' ? 'mac' : 'linux'}-${process.arch}`;
}

/** The CPU variants the installed package ships, e.g. ['alderlake', ..., 'x64', 'zen4']. */
export function llamaCpuVariants(): { packageDir: string; binsDir: string; variants: string[] } {
  const name = platformPackage();
  let packageDir: string;
  try {
    // its entry is dist/index.js (the package exports nothing else)
    packageDir = dirname(dirname(nodeModule.createRequire(import.meta.url).resolve(name)));
  } catch {
    throw new AntidoteError('USAGE', `llama.cpp CPU variants: the package ${name} is not installed; run npm install`);
  }
  const bins = join(packageDir, 'bins');
  const binsDir = join(bins, readdirSync(bins).find((d) => !d.startsWith('.')) ?? '');
  const variants = readdirSync(binsDir).flatMap((f) => CPU_LIBRARY.exec(f)?.[1] ?? []).sort();
  return { packageDir, binsDir, variants };
}

/**
 * Makes node-llama-cpp load only `variant` ('generic' for the architecture's
 * baseline) in this process. Returns the variant's name. Throws where
 * node-llama-cpp was already set up with another choice, or the variant is
 * not shipped.
 */
export function useLlamaCpu(variant: string): string {
  const { packageDir, binsDir, variants } = llamaCpuVariants();
  const name = variant === 'generic' ? GENERIC[process.arch] : variant;
  if (!name || !variants.includes(name)) {
    throw new AntidoteError('USAGE', `--llama-cpu: no CPU variant '${variant}' in this llama.cpp build; shipped: native, generic, ${variants.join(', ')}`);
  }
  // module hooks came with Node.js 20.6
  if (typeof nodeModule.register !== 'function') throw new AntidoteError('USAGE', `--llama-cpu needs Node.js 20.6 or later (this is ${process.version})`);
  if (chosen !== undefined) {
    if (chosen === name) return name;
    throw new AntidoteError('USAGE', `--llama-cpu: llama.cpp is already set up with the ${chosen} variant in this process`);
  }
  const copy = mkdtempSync(join(tmpdir(), 'antidote-llama-cpu-'));
  process.on('exit', () => rmSync(copy, { recursive: true, force: true }));
  for (const entry of readdirSync(packageDir)) if (entry !== 'bins') cpSync(join(packageDir, entry), join(copy, entry), { recursive: true });
  const bins = join(copy, 'bins', basename(binsDir));
  mkdirSync(bins, { recursive: true });
  for (const file of readdirSync(binsDir)) {
    const cpu = CPU_LIBRARY.exec(file)?.[1];
    if (cpu === undefined || cpu === name) symlinkSync(join(binsDir, file), join(bins, file));
  }
  nodeModule.register(new URL('./hook.js', import.meta.url), { data: { specifier: platformPackage(), url: pathToFileURL(join(copy, 'dist', 'index.js')).href } });
  chosen = name;
  return name;
}

/**
 * The CPU variant llama.cpp has loaded in this process, read from the
 * libraries the process maps (Linux); undefined where that cannot be told.
 */
export function loadedLlamaCpu(): string | undefined {
  try {
    return /libggml-cpu-([^/\s]+)\.so/.exec(readFileSync('/proc/self/maps', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
