/**
 * `antidote.yaml`: settings a team keeps with its corpus. Command-line flags
 * override it. The JSON Schema is schema/antidote.schema.json.
 */
import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import { AntidoteError } from '../errors/index.js';
import { SEVERITIES, type Severity } from '../scan/types.js';
import { DETECTOR_IDS } from '../scan/detectors/index.js';

export interface ScanConfig {
  textField?: string;
  idField?: string;
  format?: string;
  detectors?: string[];
  allowlist?: string[];
  failOn?: Severity | 'never';
  quarantineAt?: Severity;
  onError?: 'quarantine' | 'stop';
  minSupport?: number;
  minPrecision?: number;
  maxDocumentFrequency?: number;
  workers?: number;
}

export interface Config {
  scan: ScanConfig;
}

type Check = (value: unknown) => string | undefined;
const str: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'a non-empty string');
const strList: Check = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? undefined : 'a list of strings');
const int = (min: number): Check => (v) => (Number.isInteger(v) && (v as number) >= min ? undefined : `an integer >= ${min}`);
const oneOf = (values: readonly string[]): Check => (v) => (typeof v === 'string' && values.includes(v) ? undefined : `one of ${values.join(', ')}`);

const SCAN_KEYS: Record<keyof ScanConfig, Check> = {
  textField: str,
  idField: str,
  format: oneOf(['jsonl', 'csv', 'tsv', 'parquet', 'text']),
  detectors: (v) => strList(v) ?? ((v as string[]).find((d) => !DETECTOR_IDS.includes(d)) ? `detector ids among ${DETECTOR_IDS.join(', ')}` : undefined),
  allowlist: strList,
  failOn: oneOf([...SEVERITIES, 'never']),
  quarantineAt: oneOf(SEVERITIES),
  onError: oneOf(['quarantine', 'stop']),
  minSupport: int(2),
  minPrecision: (v) => (typeof v === 'number' && v > 0 && v <= 1 ? undefined : 'a number in (0, 1]'),
  maxDocumentFrequency: int(2),
  workers: int(1),
};

export function validateConfig(value: unknown, file: string): Config {
  if (value === null || value === undefined) return { scan: {} };
  if (typeof value !== 'object' || Array.isArray(value)) throw new AntidoteError('CONFIG_INVALID', 'expected a mapping at the top level', { file });
  const root = value as Record<string, unknown>;
  for (const key of Object.keys(root)) {
    if (key !== 'scan') throw new AntidoteError('CONFIG_INVALID', `unknown section '${key}'; expected 'scan'`, { file });
  }
  const scan = (root.scan ?? {}) as Record<string, unknown>;
  if (typeof scan !== 'object' || Array.isArray(scan)) throw new AntidoteError('CONFIG_INVALID', "'scan' must be a mapping", { file });
  for (const [key, v] of Object.entries(scan)) {
    const check = SCAN_KEYS[key as keyof ScanConfig];
    if (!check) throw new AntidoteError('CONFIG_INVALID', `unknown setting 'scan.${key}'; known: ${Object.keys(SCAN_KEYS).join(', ')}`, { file });
    const problem = check(v);
    if (problem) throw new AntidoteError('CONFIG_INVALID', `'scan.${key}' must be ${problem}, found ${JSON.stringify(v)}`, { file });
  }
  return { scan: scan as ScanConfig };
}

export async function loadConfig(path: string, required: boolean): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (!required && (cause as NodeJS.ErrnoException).code === 'ENOENT') return { scan: {} };
    throw new AntidoteError('CONFIG_INVALID', `cannot read the config file (${(cause as Error).message})`, { file: path }, { cause });
  }
  try {
    return validateConfig(parse(text), path);
  } catch (e) {
    if (e instanceof YAMLParseError) {
      throw new AntidoteError('CONFIG_INVALID', `invalid YAML: ${e.message.split('\n')[0]}`, { file: path, line: e.linePos?.[0]?.line }, { cause: e });
    }
    throw e;
  }
}
