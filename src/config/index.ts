/**
 * `antidote.yaml`: settings a team keeps with its corpus. Command-line flags
 * override it. The JSON Schema is schema/antidote.schema.json.
 */
import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import { AntidoteError } from '../errors/index.js';
import { SEVERITIES, type Severity } from '../scan/types.js';
import { DETECTOR_IDS } from '../scan/detectors/index.js';
import { checkMetadataName, TRUST_LEVELS, type ProvenancePolicy } from '../ledger/index.js';

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

/** The ledger a scan checks provenance against and records its result in. */
export interface LedgerConfig {
  /** SQLite file or postgres:// URL (default .antidote-ledger/ledger.sqlite) */
  store?: string;
  /** signing key for recording scans (default: ledger.key beside the store) */
  key?: string;
  /** append each scan's result to the ledger */
  record?: boolean;
  /** when present, every scan applies it */
  policy?: ProvenancePolicy;
}

/** One client of the guard, told by its API key. */
export interface GuardClientConfig {
  /** the key as the client sends it (Bearer ...), or its SHA-256 in hex, so that the file need not hold it */
  key?: string;
  keySha256?: string;
  name?: string;
  mode?: 'block' | 'alert';
  /** the environment variable holding the key the guard sends upstream for this client, in place of the client's own */
  upstreamKeyEnv?: string;
}

export interface GuardConfig {
  /** block or alert for every request not otherwise set */
  mode?: 'block' | 'alert';
  /** per route (chat, completions, embeddings): its mode */
  routes?: Partial<Record<'chat' | 'completions' | 'embeddings', 'block' | 'alert'>>;
  clients?: GuardClientConfig[];
  /** longest each screen may run, ms (none by default) */
  screenTimeLimitMs?: number;
  /** what a request whose screen ran over the limit gets: open (goes on, logged as not screened by it) or closed (treated as flagged); open by default */
  onScreenTimeout?: 'open' | 'closed';
}

export interface Config {
  scan: ScanConfig;
  ledger?: LedgerConfig;
  guard?: GuardConfig;
}

type Check = (value: unknown) => string | undefined;
const str: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'a non-empty string');
const strList: Check = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? undefined : 'a list of strings');
const int = (min: number): Check => (v) => (Number.isInteger(v) && (v as number) >= min ? undefined : `an integer >= ${min}`);
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
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

const POLICY_KEYS: Record<keyof ProvenancePolicy, Check> = {
  minTrust: oneOf(TRUST_LEVELS),
  requireMetadata: (v) => strList(v) ?? (v as string[]).map(checkMetadataName).find(Boolean),
  quarantineUnknown: bool,
  dataset: str,
  severity: oneOf(SEVERITIES),
};

type Section = Record<string, Check | { section: Record<string, unknown> }>;

const MODE = oneOf(['block', 'alert']);
const CLIENT_KEYS: Record<keyof GuardClientConfig, Check> = {
  key: str,
  keySha256: (v) => (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? undefined : '64 lower-case hex digits'),
  name: str,
  mode: MODE,
  upstreamKeyEnv: (v) => (typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : 'an environment variable name'),
};

/** the guard's clients: a list of mappings, each naming its key one way */
const clientList: Check = (v) => {
  if (!Array.isArray(v)) return 'a list of clients';
  for (const [i, c] of v.entries()) {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) return `a list of mappings (item ${i + 1} is not one)`;
    for (const [k, x] of Object.entries(c)) {
      const check = CLIENT_KEYS[k as keyof GuardClientConfig];
      if (!check) return `a list of clients with keys among ${Object.keys(CLIENT_KEYS).join(', ')} (item ${i + 1} has '${k}')`;
      const problem = check(x);
      if (problem) return `a list of clients whose '${k}' is ${problem} (item ${i + 1})`;
    }
    if (('key' in c) === ('keySha256' in c)) return `a list of clients each with key or keySha256, not both (item ${i + 1})`;
  }
  return undefined;
};

const GUARD_KEYS: Section = { mode: MODE, routes: { section: { chat: MODE, completions: MODE, embeddings: MODE } }, clients: clientList, screenTimeLimitMs: int(1), onScreenTimeout: oneOf(['open', 'closed']) };

const LEDGER_KEYS: Section = { store: str, key: str, record: bool, policy: { section: POLICY_KEYS } };

/** Checks one mapping against its known keys, nested mappings included; `path` names it in messages. */
function checkSection(value: unknown, keys: Section, path: string, file: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AntidoteError('CONFIG_INVALID', `'${path}' must be a mapping`, { file });
  for (const [key, v] of Object.entries(value)) {
    const check = keys[key];
    if (!check) throw new AntidoteError('CONFIG_INVALID', `unknown setting '${path}.${key}'; known: ${Object.keys(keys).join(', ')}`, { file });
    if (typeof check === 'object') {
      checkSection(v, check.section as Section, `${path}.${key}`, file);
      continue;
    }
    const problem = check(v);
    if (problem) throw new AntidoteError('CONFIG_INVALID', `'${path}.${key}' must be ${problem}, found ${JSON.stringify(v)}`, { file });
  }
}

export function validateConfig(value: unknown, file: string): Config {
  if (value === null || value === undefined) return { scan: {} };
  if (typeof value !== 'object' || Array.isArray(value)) throw new AntidoteError('CONFIG_INVALID', 'expected a mapping at the top level', { file });
  const root = value as Record<string, unknown>;
  const sections: Record<string, Section> = { scan: SCAN_KEYS, ledger: LEDGER_KEYS, guard: GUARD_KEYS };
  for (const key of Object.keys(root)) {
    if (!sections[key]) throw new AntidoteError('CONFIG_INVALID', `unknown section '${key}'; expected ${Object.keys(sections).join(', ')}`, { file });
    checkSection(root[key] ?? {}, sections[key], key, file);
  }
  return { scan: (root.scan ?? {}) as ScanConfig, ...(root.ledger ? { ledger: root.ledger as LedgerConfig } : {}), ...(root.guard ? { guard: root.guard as GuardConfig } : {}) };
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
