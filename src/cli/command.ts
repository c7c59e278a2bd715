import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import { AntidoteError } from '../errors/index.js';

/** Exit codes, documented in the README. */
export const EXIT = {
  /** finished; nothing at or above --fail-on */
  OK: 0,
  /** finished; an incident or quarantined document reached --fail-on */
  FINDINGS: 1,
  /** could not run: bad usage, bad config, or stopped by --on-error stop */
  ERROR: 2,
  /** finished, but some records or inputs could not be read (kept in quarantine) */
  INPUT_ERRORS: 3,
  /** no command given */
  USAGE: 2,
} as const;

export interface Command {
  name: string;
  summary: string;
  run(argv: string[]): Promise<number>;
}

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  value?: string;
  help: string;
}

export function helpText(usage: string, description: string, flags: Record<string, FlagSpec>, footer = ''): string {
  const rows = Object.entries(flags).map(([name, f]) => [`${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`, f.help] as const);
  const width = Math.max(...rows.map(([a]) => a.length));
  return `Usage: ${usage}\n\n${description}\n\nOptions:\n${rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`).join('\n')}\n${footer}`;
}

/** parseArgs with errors that say what to do. */
export function parseFlags(argv: string[], flags: Record<string, FlagSpec>): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const options: ParseArgsConfig['options'] = {};
  for (const [name, f] of Object.entries(flags)) options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (e) {
    throw new AntidoteError('USAGE', `${(e as Error).message.replace(/\. To specify a positional.*$/s, '')}; see --help`);
  }
}

export function numberFlag(value: unknown, name: string, min: number, integer = true): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new AntidoteError('USAGE', `--${name} expects ${integer ? 'an integer' : 'a number'} >= ${min}, got '${value}'`);
  return n;
}

/** A text file the user named; `what` says which in the error. */
export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new AntidoteError('INPUT_NOT_FOUND', `cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path });
  }
}

/** Resolves when the process is asked to stop (Ctrl-C, or a service manager's SIGTERM). */
export function untilInterrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** One command of a group (`antidote ledger add`, `antidote incident decide`, ...). */
export interface Subcommand {
  usage: string;
  summary: string;
  flags: Record<string, FlagSpec>;
  run(values: Record<string, any>, positionals: string[]): Promise<number>;
}

/** A command made of subcommands: dispatches, lists them, and shows each one's help. */
export function commandGroup(name: string, summary: string, subcommands: Record<string, Subcommand>): Command {
  return {
    name,
    summary,
    async run(argv) {
      const [first, ...rest] = argv;
      const sub = first ? subcommands[first] : undefined;
      if (!sub) {
        const width = Math.max(...Object.keys(subcommands).map((k) => k.length));
        process.stdout.write(`Usage: antidote ${name} <command> [options]\n\n${Object.entries(subcommands).map(([k, s]) => `  ${k.padEnd(width)}  ${s.summary}`).join('\n')}\n`);
        if (first && first !== '--help' && first !== '-h') throw new AntidoteError('USAGE', `unknown ${name} command '${first}'`);
        return first ? EXIT.OK : EXIT.USAGE;
      }
      const { values, positionals } = parseFlags(rest, sub.flags);
      if (values.help) {
        process.stdout.write(helpText(sub.usage, sub.summary, sub.flags));
        return EXIT.OK;
      }
      return sub.run(values, positionals);
    },
  };
}
