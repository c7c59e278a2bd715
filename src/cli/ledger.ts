/**
 * `antidote ledger ...`, `antidote sign` and `antidote verify`: thin layers
 * over src/ledger. Verification failures exit 1, unusable input exits 2.
 */
import { chmodSync, createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AntidoteError } from '../errors/index.js';
import { expandInputs } from '../corpus/index.js';
import {
  addDocuments,
  addModel,
  attestLineage,
  checkModel,
  modelCheckProblems,
  verifyLineage,
  DEFAULT_LEDGER_DIR,
  diffDatasets,
  DsseError,
  generateNoteKey,
  hashLeaf,
  Ledger,
  NoteError,
  openStore,
  parseSignerKey,
  parseTlogProof,
  parseTrust,
  parseVerifierKey,
  ProofError,
  signModel,
  SigningError,
  verifyModel,
  verifyTlogProof,
  type LedgerStore,
  type ModelRecord,
} from '../ledger/index.js';
import { confirmedIncidentsIn } from '../review/index.js';
import { commandGroup, EXIT, helpText, numberFlag, parseFlags, readText, type Command, type FlagSpec, type Subcommand } from './command.js';

/** Crypto and format errors from the ledger become one-line user errors. */
async function userFacing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof NoteError || e instanceof ProofError || e instanceof DsseError || e instanceof SigningError) throw new AntidoteError('VERIFICATION_FAILED', e.message, undefined, { cause: e });
    throw e;
  }
}

/** Reads and parses a key file; a file that is there but holds no valid key is KEY_INVALID. */
function loadKey<T>(path: string, what: string, parse: (text: string) => T): T {
  const text = readText(path, what);
  try {
    return parse(text);
  } catch (e) {
    throw new AntidoteError('KEY_INVALID', (e as Error).message, { file: path });
  }
}

/** Writes to --out when given, else to stdout. */
function writeOut(text: string, out: string | undefined): void {
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

/** Keys live beside a SQLite store, or in ./.antidote-ledger for a PostgreSQL one. */
function keyDir(store: string | undefined): string {
  return store && !/^postgres(ql)?:\/\//.test(store) ? dirname(store) : DEFAULT_LEDGER_DIR;
}

const STORE: FlagSpec = { type: 'string', value: 'PATH|URL', help: `ledger store: a SQLite file or postgres://... (default ${DEFAULT_LEDGER_DIR}/ledger.sqlite)` };
const HELP: FlagSpec = { type: 'boolean', short: 'h', help: 'show this help' };
const IGNORE: FlagSpec = { type: 'string', multiple: true, value: 'PATH', help: 'paths inside DIR to leave out; repeatable' };
const META: FlagSpec = { type: 'string', multiple: true, value: 'KEY=VALUE', help: 'free metadata; repeatable' };

export async function withLedger<T>(values: Record<string, unknown>, options: { signing: boolean }, work: (ledger: Ledger, store: LedgerStore) => Promise<T>): Promise<T> {
  const storeSpec = values.store as string | undefined;
  const store = await openStore(storeSpec, { create: false });
  try {
    const keyPath = (values.key as string | undefined) ?? join(keyDir(storeSpec), 'ledger.key');
    const signer = options.signing ? loadKey(keyPath, "the ledger's signing key (give it with --key)", parseSignerKey) : undefined;
    const pubPath = values['public-key'] as string | undefined;
    const trusted = pubPath ? loadKey(pubPath, 'the public key', parseVerifierKey) : undefined;
    const ledger = await Ledger.open(store, { signer, trusted });
    return await userFacing(() => work(ledger, store));
  } finally {
    await store.close();
  }
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  keygen: {
    summary: 'make an Ed25519 key pair for signing checkpoints',
    usage: 'antidote ledger keygen --name ORIGIN [--out DIR]',
    flags: { name: { type: 'string', value: 'ORIGIN', help: 'key name, which is the ledger origin (e.g. data.example.com/ledger)' }, out: { type: 'string', value: 'DIR', help: `where to write ledger.key and ledger.pub (default ${DEFAULT_LEDGER_DIR})` }, help: HELP },
    async run(values) {
      if (!values.name) throw new AntidoteError('USAGE', '--name is required');
      const dir = values.out ?? DEFAULT_LEDGER_DIR;
      const written = writeKeys(dir, values.name);
      process.stdout.write(`wrote ${written.key} (keep it secret) and ${written.pub}\n${written.verifier}\n`);
      return EXIT.OK;
    },
  },
  init: {
    summary: 'create a ledger (and a signing key unless --key names one)',
    usage: 'antidote ledger init --origin ORIGIN [--store PATH|URL] [--key FILE]',
    flags: { origin: { type: 'string', value: 'ORIGIN', help: 'the log origin, a name such as data.example.com/ledger' }, key: { type: 'string', value: 'FILE', help: 'existing signing key (default: make one beside the store)' }, store: STORE, help: HELP },
    async run(values) {
      if (!values.origin) throw new AntidoteError('USAGE', '--origin is required');
      let keyPath = values.key as string | undefined;
      if (!keyPath) {
        const dir = keyDir(values.store);
        keyPath = join(dir, 'ledger.key');
        if (!existsSync(keyPath)) writeKeys(dir, values.origin);
      }
      const signer = loadKey(keyPath, 'the signing key', parseSignerKey);
      const store = await openStore(values.store, { create: true });
      try {
        await Ledger.init(store, values.origin, signer);
      } finally {
        await store.close();
      }
      process.stdout.write(`ledger ${values.origin} created in ${store.location}\nverifier key: ${signer.text}\n`);
      return EXIT.OK;
    },
  },
  add: {
    summary: 'record documents of corpus files as a new dataset version',
    usage: 'antidote ledger add INPUT... --dataset NAME[@VERSION] [--source URI] [--trust LEVEL] ...',
    flags: {
      dataset: { type: 'string', value: 'NAME', help: 'dataset name; the version is the next number unless given as NAME@VERSION' },
      source: { type: 'string', value: 'URI', help: 'source URI for records without provenance.source' },
      contributor: { type: 'string', value: 'WHO', help: 'contributor for records without provenance.contributor' },
      license: { type: 'string', value: 'SPDX', help: 'licence for records without provenance.license' },
      trust: { type: 'string', value: 'LEVEL', help: 'trust level: untrusted, low, medium, high' },
      meta: { type: 'string', multiple: true, value: 'K=V', help: 'free metadata for every record; repeatable' },
      'text-field': { type: 'string', value: 'NAME', help: "text field (default 'text')" },
      'id-field': { type: 'string', value: 'NAME', help: "id field (default 'id')" },
      format: { type: 'string', value: 'FMT', help: 'input format when the name does not tell' },
      key: { type: 'string', value: 'FILE', help: 'signing key (default: ledger.key beside the store)' },
      store: STORE,
      help: HELP,
    },
    async run(values, inputs) {
      if (inputs.length === 0) throw new AntidoteError('USAGE', 'give at least one input file');
      if (!values.dataset) throw new AntidoteError('USAGE', '--dataset is required');
      const meta = metaFlags(values.meta);
      const sources = await expandInputs(inputs, { format: values.format });
      return withLedger(values, { signing: true }, async (ledger) => {
        const started = Date.now();
        let shown = started;
        const result = await addDocuments(ledger, sources, {
          dataset: values.dataset,
          textField: values['text-field'] ?? 'text',
          idField: values['id-field'] ?? 'id',
          defaults: { source: values.source, contributor: values.contributor, license: values.license, trust: values.trust ? parseTrust(values.trust) : undefined, meta },
          // At most a line a second; nothing is durable until the final line on stdout.
          onProgress: (read) => {
            const now = Date.now();
            if (now - shown < 1000) return;
            shown = now;
            process.stderr.write(`prepared ${read} documents (${((read / (now - started)) * 1000).toFixed(0)} docs/s)\n`);
          },
        });
        process.stdout.write(`added ${result.documents} documents as ${result.dataset} (entries ${result.firstEntry}..${result.size - 2}, manifest entry ${result.size - 1}); ledger size ${result.size}; dataset root ${result.root}\n`);
        return EXIT.OK;
      });
    },
  },
  verify: {
    summary: 'recompute every entry and checkpoint; or check a receipt offline',
    usage: 'antidote ledger verify [--store PATH|URL] [--public-key FILE] [--checkpoint FILE] | --receipt FILE --public-key FILE [--origin ORIGIN]',
    flags: {
      'public-key': { type: 'string', value: 'FILE', help: "the ledger's verifier key you trust (default: the key recorded in the store)" },
      checkpoint: { type: 'string', value: 'FILE', help: 'a signed checkpoint kept elsewhere; the log must still contain it' },
      receipt: { type: 'string', value: 'FILE', help: 'a tlog-proof receipt to check offline, without the store' },
      origin: { type: 'string', value: 'ORIGIN', help: "expected origin for --receipt (default: the key's name)" },
      json: { type: 'boolean', help: 'print the report as JSON' },
      store: STORE,
      help: HELP,
    },
    async run(values) {
      if (values.receipt) return verifyReceipt(values.receipt, values['public-key'], values.origin);
      return withLedger(values, { signing: false }, async (ledger) => {
        const external = values.checkpoint ? readText(values.checkpoint, 'the checkpoint') : undefined;
        const report = await ledger.verify({ external });
        if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        else if (report.problems.length === 0) process.stdout.write(`ok: ${report.entries} entries, ${report.checkpoints} signed checkpoints, root ${report.root}\n`);
        else process.stdout.write(`FAILED at entry ${report.firstBadEntry ?? '?'}:\n${report.problems.map((p) => `  ${p}`).join('\n')}\n`);
        return report.problems.length === 0 ? EXIT.OK : EXIT.FINDINGS;
      });
    },
  },
  prove: {
    summary: 'write a receipt (C2SP tlog-proof) for a document or entry',
    usage: 'antidote ledger prove (DOC-ID | --entry N | --sha256 HEX) [--dataset NAME@V] [--out FILE]',
    flags: {
      entry: { type: 'string', value: 'N', help: 'entry index' },
      sha256: { type: 'string', value: 'HEX', help: "a document's content hash" },
      dataset: { type: 'string', value: 'NAME@V', help: 'only documents of this dataset version' },
      out: { type: 'string', value: 'FILE', help: 'write the receipt here (default: stdout)' },
      store: STORE,
      help: HELP,
    },
    async run(values, positionals) {
      return withLedger(values, { signing: false }, async (ledger, store) => {
        let index = numberFlag(values.entry, 'entry', 0);
        if (index === undefined) {
          if (!positionals[0] && !values.sha256) throw new AntidoteError('USAGE', 'name a document id, --entry or --sha256');
          const [found] = await store.findDocuments({ docId: positionals[0], sha256: values.sha256, dataset: values.dataset }, 1);
          if (!found) throw new AntidoteError('USAGE', `no document ${positionals[0] ?? values.sha256} in the ledger`);
          index = found.index;
        }
        const receipt = await ledger.receipt(index);
        writeOut(receipt, values.out);
        if (values.out) process.stdout.write(`wrote receipt for entry ${index} to ${values.out}\n`);
        return EXIT.OK;
      });
    },
  },
  checkpoint: {
    summary: "print the latest signed checkpoint (publish it: it pins the log's history)",
    usage: 'antidote ledger checkpoint [--store PATH|URL] [--out FILE]',
    flags: { out: { type: 'string', value: 'FILE', help: 'write it here (default: stdout)' }, store: STORE, help: HELP },
    async run(values) {
      return withLedger(values, { signing: false }, async (ledger) => {
        const { note } = await ledger.latest();
        writeOut(note, values.out);
        return EXIT.OK;
      });
    },
  },
  diff: {
    summary: 'documents added, removed, modified (semantic/cosmetic) and moved between two dataset versions',
    usage: 'antidote ledger diff A B [--json] [--limit N]',
    flags: { json: { type: 'boolean', help: 'print JSON' }, limit: { type: 'string', value: 'N', help: 'list at most N changes (default 50; JSON 1000)' }, store: STORE, help: HELP },
    async run(values, positionals) {
      if (positionals.length !== 2) throw new AntidoteError('USAGE', 'give two dataset versions, e.g. corpus@1 corpus@2');
      return withLedger(values, { signing: false }, async (ledger) => {
        const d = await diffDatasets(ledger, positionals[0], positionals[1], numberFlag(values.limit, 'limit', 0) ?? (values.json ? 1000 : 50));
        if (values.json) {
          process.stdout.write(JSON.stringify(d, null, 2) + '\n');
          return EXIT.OK;
        }
        const c = d.counts;
        const lines = [`${d.a} -> ${d.b}: ${c.added} added, ${c.removed} removed, ${c.semantic} modified (semantic), ${c.cosmetic} modified (cosmetic), ${c.moved} moved, ${c.unchanged} unchanged`, '', 'by source:'];
        for (const [source, row] of Object.entries(d.bySource)) lines.push(`  ${source}: ${Object.entries(row).map(([k, v]) => `${v} ${k}`).join(', ')}`);
        lines.push('', ...d.changes.map((e) => `  ${e.change.padEnd(8)} ${e.id}${e.from ? ` (was ${e.from})` : ''}`));
        if (d.truncated) lines.push('  ...');
        process.stdout.write(lines.join('\n') + '\n');
        return EXIT.OK;
      });
    },
  },
  log: {
    summary: 'list entries (index, kind, dataset, id, sha256)',
    usage: 'antidote ledger log [--kind KIND] [--from N] [--limit N]',
    flags: { kind: { type: 'string', value: 'KIND', help: 'document, dataset, scan, model or incident' }, from: { type: 'string', value: 'N', help: 'first entry (default 0)' }, limit: { type: 'string', value: 'N', help: 'at most N lines (default 100)' }, store: STORE, help: HELP },
    async run(values) {
      return withLedger(values, { signing: false }, async (_ledger, store) => {
        const limit = numberFlag(values.limit, 'limit', 1) ?? 100;
        const from = numberFlag(values.from, 'from', 0) ?? 0;
        const entries = values.kind && values.kind !== 'document' ? (await store.entriesOfKind(values.kind)).filter((e) => e.index >= from) : store.entries(from, Number.MAX_SAFE_INTEGER);
        let shown = 0;
        for await (const e of entries) {
          if (values.kind && e.kind !== values.kind) continue;
          process.stdout.write(`${e.index}\t${e.kind}\t${e.dataset ?? ''}\t${e.docId ?? ''}\t${e.sha256 ?? ''}\n`);
          if (++shown >= limit) break;
        }
        return EXIT.OK;
      });
    },
  },
  export: {
    summary: 'write every record as JSONL, with the checkpoints, for archiving or another tool',
    usage: 'antidote ledger export --out FILE [--store PATH|URL]',
    flags: { out: { type: 'string', value: 'FILE', help: 'JSONL file to write (records in order; the last line holds the latest checkpoint)' }, store: STORE, help: HELP },
    async run(values) {
      if (!values.out) throw new AntidoteError('USAGE', '--out is required');
      return withLedger(values, { signing: false }, async (ledger, store) => {
        const out = createWriteStream(values.out);
        let n = 0;
        for await (const e of store.entries(0, Number.MAX_SAFE_INTEGER)) {
          if (!out.write(e.record + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
          n++;
        }
        const latest = await ledger.latest();
        out.write(JSON.stringify({ kind: 'checkpoint', origin: ledger.origin, verifier: ledger.verifier.text, note: latest.note }) + '\n');
        await new Promise<void>((resolve, reject) => out.end((e?: Error) => (e ? reject(e) : resolve())));
        process.stdout.write(`exported ${n} records and the checkpoint at size ${latest.size} to ${values.out}\n`);
        return EXIT.OK;
      });
    },
  },
  'add-model': {
    summary: 'record a model checkpoint: every file under DIR with its SHA-256',
    usage: 'antidote ledger add-model DIR --name NAME [--trained-on NAME@N]... [--ignore-paths PATH]... [--meta KEY=VALUE]...',
    flags: {
      name: { type: 'string', value: 'NAME', help: 'model name (e.g. org/model-7b); later records of the same name supersede earlier ones' },
      'trained-on': { type: 'string', multiple: true, value: 'NAME@N', help: 'a dataset version the model was trained on; a confirmed incident in it marks the model affected; repeatable' },
      'ignore-paths': IGNORE,
      meta: META,
      key: { type: 'string', value: 'FILE', help: 'signing key (default: ledger.key beside the store)' },
      store: STORE,
      help: HELP,
    },
    async run(values, positionals) {
      if (positionals.length !== 1 || !values.name) throw new AntidoteError('USAGE', 'give one model directory (or file) and --name');
      return withLedger(values, { signing: true }, async (ledger) => {
        const { entry, record } = await addModel(ledger, positionals[0], { name: values.name, ignorePaths: values['ignore-paths'], meta: metaFlags(values.meta), trainedOn: values['trained-on'] });
        process.stdout.write(`recorded model ${record.name} (${record.files.length} files, manifest ${record.manifest}) as entry ${entry}\n`);
        return EXIT.OK;
      });
    },
  },
  'check-model': {
    summary: "compare the files under DIR with the ledger's latest record of model NAME",
    usage: 'antidote ledger check-model DIR --name NAME [--allow-affected] [--ignore-paths PATH]...',
    flags: {
      name: { type: 'string', value: 'NAME', help: 'model name as recorded' },
      'allow-affected': { type: 'boolean', help: 'pass a model trained on a dataset version with a confirmed incident (the incidents are still listed)' },
      'ignore-paths': IGNORE,
      store: STORE,
      help: HELP,
    },
    async run(values, positionals) {
      if (positionals.length !== 1 || !values.name) throw new AntidoteError('USAGE', 'give one model directory (or file) and --name');
      return withLedger(values, { signing: false }, async (ledger) => {
        const check = await checkModel(ledger, positionals[0], { name: values.name, ignorePaths: values['ignore-paths'] });
        const incidents = await confirmedIncidentsIn(ledger, check.trainedOn);
        if (incidents.length) {
          const message = `model ${values.name} (entry ${check.entry}) was trained on ${check.trainedOn.join(', ')}, where confirmed incident(s) ${incidents.join(', ')} hold poison; see 'antidote incident playbook ${incidents[0]}'`;
          if (!values['allow-affected']) {
            process.stdout.write(`REFUSED: ${message}\n`);
            return EXIT.FINDINGS;
          }
          process.stderr.write(`warning: ${message} (passed with --allow-affected)\n`);
        }
        if (check.ok) {
          process.stdout.write(`ok: ${positionals[0]} matches model ${values.name} (entry ${check.entry})\n`);
          return EXIT.OK;
        }
        const lines = modelCheckProblems(check);
        process.stdout.write(`FAILED: ${positionals[0]} differs from model ${values.name} (entry ${check.entry})\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
        return EXIT.FINDINGS;
      });
    },
  },
  attest: {
    summary: 'sign the lineage of a dataset version: in-toto statement, SLSA provenance v1, DSSE envelope',
    usage: 'antidote ledger attest DATASET@N --key PEM --out FILE',
    flags: { key: { type: 'string', value: 'PEM', help: 'ECDSA or Ed25519 private key (PEM) to sign with' }, out: { type: 'string', value: 'FILE', help: 'where to write the DSSE envelope (JSON)' }, store: STORE, help: HELP },
    async run(values, positionals) {
      if (positionals.length !== 1 || !values.key || !values.out) throw new AntidoteError('USAGE', 'give one dataset version, --key and --out');
      return withLedger({ store: values.store }, { signing: false }, async (ledger) => {
        const statement = await attestLineage(ledger, positionals[0], values.key, values.out);
        process.stdout.write(`wrote ${values.out}: ${statement.subject.length} file(s), ${statement.predicate.buildDefinition.resolvedDependencies.length} dependencies\n`);
        return EXIT.OK;
      });
    },
  },
  'verify-attestation': {
    summary: "check a lineage attestation's signature, and that FILEs are the files it names",
    usage: 'antidote ledger verify-attestation ATTESTATION --public-key PEM [FILE]...',
    flags: { 'public-key': { type: 'string', value: 'PEM', help: 'the public key (PEM) the attestation must be signed by' }, help: HELP },
    async run(values, positionals) {
      if (positionals.length < 1 || !values['public-key']) throw new AntidoteError('USAGE', 'give the attestation file and --public-key');
      const [file, ...data] = positionals;
      let envelope: unknown;
      try {
        envelope = JSON.parse(readText(file, 'the attestation'));
      } catch (e) {
        if (e instanceof AntidoteError) throw e;
        throw new AntidoteError('INPUT_FORMAT', 'not JSON; expected a DSSE envelope', { file });
      }
      try {
        const statement = await verifyLineage(envelope, values['public-key'], data.map((d) => ({ name: d, path: d })));
        process.stdout.write(`ok: ${statement.predicate.buildDefinition.externalParameters.dataset} from ${statement.predicate.runDetails.builder.id}, ${data.length} file(s) checked\n`);
        return EXIT.OK;
      } catch (e) {
        if (!(e instanceof SigningError || e instanceof DsseError)) throw e;
        process.stdout.write(`FAILED: ${e.message}\n`);
        return EXIT.FINDINGS;
      }
    },
  },
};

function metaFlags(values: string[] | undefined): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const kv of values ?? []) {
    const at = kv.indexOf('=');
    if (at < 1) throw new AntidoteError('USAGE', `--meta expects KEY=VALUE, got '${kv}'`);
    meta[kv.slice(0, at)] = kv.slice(at + 1);
  }
  return meta;
}

function writeKeys(dir: string, name: string): { key: string; pub: string; verifier: string } {
  let keys;
  try {
    keys = generateNoteKey(name);
  } catch (e) {
    throw new AntidoteError('USAGE', (e as Error).message);
  }
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'ledger.key');
  const pub = join(dir, 'ledger.pub');
  if (existsSync(key)) throw new AntidoteError('USAGE', `${key} exists; refusing to overwrite a signing key`);
  writeFileSync(key, keys.signer + '\n', { mode: 0o600 });
  chmodSync(key, 0o600);
  writeFileSync(pub, keys.verifier + '\n');
  return { key, pub, verifier: keys.verifier };
}

async function verifyReceipt(path: string, publicKeyPath: string | undefined, origin: string | undefined): Promise<number> {
  if (!publicKeyPath) throw new AntidoteError('USAGE', '--receipt needs --public-key');
  const text = readText(path, 'the receipt');
  const verifier = loadKey(publicKeyPath, 'the public key', parseVerifierKey);
  try {
    const extra = parseTlogProof(text).extra;
    if (!extra) throw new NoteError('receipt carries no record (extra line); cannot recompute its leaf');
    const result = verifyTlogProof(text, hashLeaf(extra), verifier, origin ?? verifier.name);
    process.stdout.write(`ok: entry ${result.index} is in ${result.origin} at size ${result.size}\n${extra.toString('utf8')}\n`);
    return EXIT.OK;
  } catch (e) {
    if (e instanceof NoteError || e instanceof ProofError) {
      process.stdout.write(`FAILED: ${path}: ${e.message}\n`);
      return EXIT.FINDINGS;
    }
    throw e;
  }
}

export const ledgerCommand = commandGroup('ledger', 'provenance ledger: init, add, verify, prove, checkpoint, diff, log, export, keygen', SUBCOMMANDS);

const SIGN_FLAGS: Record<string, FlagSpec> = {
  key: { type: 'string', value: 'PEM', help: 'private key (ECDSA P-256/P-384/P-521 or Ed25519, PEM)' },
  signature: { type: 'string', value: 'FILE', help: 'where the bundle goes (default DIR/model.sig)' },
  'ignore-paths': IGNORE,
  help: HELP,
};

export const signCommand: Command = {
  name: 'sign',
  summary: 'sign a model or dataset directory (OpenSSF model signing bundle)',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, SIGN_FLAGS);
    if (values.help || positionals.length !== 1 || !values.key) {
      process.stdout.write(helpText('antidote sign DIR --key PEM [--signature FILE] [--ignore-paths PATH...]', 'Write a Sigstore bundle (DSSE, in-toto statement, per-file SHA-256 manifest) that model_signing and antidote verify accept.', SIGN_FLAGS));
      return values.help ? EXIT.OK : EXIT.USAGE;
    }
    const dir = positionals[0];
    const signaturePath = (values.signature as string | undefined) ?? join(dir, 'model.sig');
    await userFacing(() => signModel(dir, { keyPath: values.key as string, signaturePath, ignorePaths: values['ignore-paths'] as string[] | undefined }));
    process.stdout.write(`signed ${dir}: ${signaturePath}\n`);
    return EXIT.OK;
  },
};

/**
 * Why a model with this manifest must not be used, when a ledger records it
 * as trained on data holding a confirmed incident; nothing without a ledger.
 */
async function affectedRefusal(storeSpec: string | undefined, manifest: string): Promise<string | undefined> {
  if (!storeSpec && !existsSync(join(DEFAULT_LEDGER_DIR, 'ledger.sqlite'))) return undefined;
  return withLedger({ store: storeSpec }, { signing: false }, async (ledger) => {
    const models = (await ledger.store.entriesOfKind('model')).map((e) => JSON.parse(e.record) as ModelRecord).filter((m) => m.manifest === manifest);
    for (const model of models) {
      const incidents = await confirmedIncidentsIn(ledger, model.trainedOn ?? []);
      if (incidents.length) return `the ledger records it as model ${model.name} (entry ${model.entry}), trained on ${(model.trainedOn ?? []).join(', ')}, where confirmed incident(s) ${incidents.join(', ')} hold poison`;
    }
    return undefined;
  });
}

const VERIFY_FLAGS: Record<string, FlagSpec> = {
  signature: { type: 'string', value: 'FILE', help: 'the bundle (default DIR/model.sig)' },
  store: { type: 'string', value: 'PATH|URL', help: `a ledger to check the model's standing in (default ${DEFAULT_LEDGER_DIR}/ledger.sqlite when it exists)` },
  'allow-affected': { type: 'boolean', help: 'pass a model the ledger records as trained on data with a confirmed incident' },
  'public-key': { type: 'string', value: 'PEM', help: 'public key for key-signed bundles' },
  'certificate-chain': { type: 'string', value: 'PEM', help: 'trusted root certificate(s) for certificate-signed bundles' },
  'ignore-paths': IGNORE,
  help: HELP,
};

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'verify a model or dataset directory against its signature bundle',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, VERIFY_FLAGS);
    if (values.help || positionals.length !== 1) {
      process.stdout.write(helpText('antidote verify DIR --public-key PEM | --certificate-chain PEM [--signature FILE] [--ignore-paths PATH...] [--store PATH|URL] [--allow-affected]', 'Check every file of DIR against a model signing bundle; exit 1 when anything differs, or when the ledger records the model as trained on data with a confirmed incident.', VERIFY_FLAGS));
      return values.help ? EXIT.OK : EXIT.USAGE;
    }
    const dir = positionals[0];
    try {
      const result = await verifyModel(dir, {
        signaturePath: (values.signature as string | undefined) ?? join(dir, 'model.sig'),
        publicKeyPath: values['public-key'] as string | undefined,
        certificateChainPath: values['certificate-chain'] as string | undefined,
        ignorePaths: values['ignore-paths'] as string[] | undefined,
      });
      const refusal = await affectedRefusal(values.store as string | undefined, result.manifest);
      if (refusal && !values['allow-affected']) {
        process.stdout.write(`REFUSED: ${result.subject}: the signature holds, but ${refusal}\n`);
        return EXIT.FINDINGS;
      }
      if (refusal) process.stderr.write(`warning: ${refusal} (passed with --allow-affected)\n`);
      process.stdout.write(`ok: ${result.subject}: ${result.files} files match, signed by ${result.signer}\n`);
      return EXIT.OK;
    } catch (e) {
      if (e instanceof SigningError || e instanceof DsseError) {
        process.stdout.write(`FAILED: ${e.message}\n`);
        return EXIT.FINDINGS;
      }
      throw e;
    }
  },
};
