/**
 * Printing an HTML report to PDF with Debian's chromium, headless, as a
 * person would from the browser: the same page, paginated.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { AntidoteError } from '../errors/index.js';

/** ANTIDOTE_CHROMIUM overrides where chromium is. */
export function chromiumPath(): string {
  return process.env.ANTIDOTE_CHROMIUM ?? '/usr/bin/chromium';
}

export async function printPdf(htmlPath: string, pdfPath: string): Promise<void> {
  const chromium = chromiumPath();
  if (!existsSync(chromium)) throw new AntidoteError('USAGE', `a PDF needs chromium at ${chromium} (Debian: apt-get install chromium; or set ANTIDOTE_CHROMIUM); the HTML report was written`);
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-pdf-header-footer', `--print-to-pdf=${resolve(pdfPath)}`, pathToFileURL(resolve(htmlPath)).href];
  try {
    await promisify(execFile)(chromium, args, { timeout: 120_000 });
  } catch (e) {
    throw new AntidoteError('OUTPUT_FAILED', `chromium could not print the report: ${(e as Error).message.split('\n')[0]}`, { file: pdfPath }, { cause: e });
  }
  if (!existsSync(pdfPath) || statSync(pdfPath).size === 0) throw new AntidoteError('OUTPUT_FAILED', 'chromium wrote no PDF', { file: pdfPath });
}
