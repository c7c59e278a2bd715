import { readFile } from 'node:fs/promises';
import { AntidoteError } from '../errors/index.js';

/** A whole text file the user named, or an error that names it and `what` it was for. */
export async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new AntidoteError('INPUT_NOT_FOUND', `cannot read ${what}: ${(error as Error).message}`, { file });
  }
}
