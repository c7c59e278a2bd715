import { DOCUMENT_DETECTORS, CORPUS_DETECTORS } from '../scan/index.js';
import { EXIT, type Command } from './command.js';

export const detectorsCommand: Command = {
  name: 'detectors',
  summary: 'list the detectors and what each looks for',
  async run() {
    for (const d of [...DOCUMENT_DETECTORS, ...CORPUS_DETECTORS]) process.stdout.write(`${d.id.padEnd(18)} ${d.description}\n`);
    return EXIT.OK;
  },
};
