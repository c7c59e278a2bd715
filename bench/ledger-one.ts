/**
 * One ledger benchmark run in its own process, so that its peak memory is its
 * own: `add` of a JSONL file into a fresh SQLite ledger, then proof timings
 * and a full verify. Prints one JSON object.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expandInputs } from '../src/corpus/index.js';
import { addDocuments, generateNoteKey, hashLeaf, Ledger, openStore, parseSignerKey, parseTlogProof, parseVerifierKey, verifyTlogProof } from '../src/ledger/index.js';

const [file, dir] = process.argv.slice(2);
const origin = 'bench.antidote/ledger';
const keys = generateNoteKey(origin);
const path = join(dir, 'bench-ledger.sqlite');
rmSync(path, { force: true });
rmSync(`${path}-wal`, { force: true });
const store = await openStore(path, { create: true });
const ledger = await Ledger.init(store, origin, parseSignerKey(keys.signer));
let peakRss = 0;
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage.rss()));
const timer = setInterval(sample, 50);

let started = performance.now();
const added = await addDocuments(ledger, await expandInputs([file]), { dataset: 'bench', textField: 'text', idField: 'id', defaults: { source: 'https://bench.example/', trust: 'medium' } });
const addMs = performance.now() - started;
const addRss = peakRss;

// Receipts for entries spread over the whole log, built and then checked offline.
const verifier = parseVerifierKey(keys.verifier);
const picks = Array.from({ length: 2000 }, (_, i) => Math.floor(((i * 7919) % 2000) * (added.size / 2000)));
const receipts: string[] = [];
started = performance.now();
for (const i of picks) receipts.push(await ledger.receipt(i));
const proveMs = (performance.now() - started) / picks.length;
started = performance.now();
for (const r of receipts) verifyTlogProof(r, hashLeaf(parseTlogProof(r).extra!), verifier, origin);
const checkMs = (performance.now() - started) / receipts.length;

peakRss = 0;
started = performance.now();
const report = await ledger.verify();
const verifyMs = performance.now() - started;
clearInterval(timer);
sample();
await store.close();
process.stdout.write(JSON.stringify({ documents: added.documents, entries: added.size, addMs, addRss, proveMs, checkMs, verifyMs, verifyRss: peakRss, problems: report.problems.length }) + '\n');
