#!/usr/bin/env node
/**
 * The `antidote` command. Commands are data: each has a summary and a run
 * function; this file only dispatches and turns errors into exit codes.
 */
import { isAntidoteError } from '../errors/index.js';
import { scanCommand } from './scan.js';
import { redteamCommand } from './redteam.js';
import { detectorsCommand } from './detectors.js';
import { benchCommand } from './bench.js';
import { auditCommand, serveCommand } from './audit.js';
import { guardCommand } from './guard.js';
import { ledgerCommand, signCommand, verifyCommand } from './ledger.js';
import { scanTaskCommand, workerCommand } from './executor.js';
import { incidentCommand } from './incident.js';
import { serverCommand } from './server.js';
import { governanceCommand } from './governance.js';
import { monitorCommand } from './monitor.js';
import { hardenCommand } from './harden.js';
import { canaryCommand } from './canary.js';
import { EXIT, type Command } from './command.js';

const COMMANDS: readonly Command[] = [scanCommand, redteamCommand, benchCommand, auditCommand, serveCommand, guardCommand, ledgerCommand, signCommand, verifyCommand, incidentCommand, serverCommand, governanceCommand, monitorCommand, hardenCommand, canaryCommand, detectorsCommand, workerCommand, scanTaskCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `antidote: defends the data LLMs learn from\n\nUsage: antidote <command> [options]\n\nCommands:\n${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n\nRun 'antidote <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? EXIT.OK : EXIT.USAGE;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write('0.1.0\n');
    return EXIT.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`antidote: unknown command '${name}'\n\n${usage()}`);
    return EXIT.USAGE;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (isAntidoteError(error)) {
      process.stderr.write(`antidote: ${error.message} [${error.code}]\n`);
    } else {
      process.stderr.write(`antidote: internal error: ${(error as Error)?.stack ?? String(error)}\nPlease report this with the command you ran.\n`);
    }
    process.exitCode = EXIT.ERROR;
  },
);
