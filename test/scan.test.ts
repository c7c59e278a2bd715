import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { scan, inject, FAMILIES, toSarif, toHtml } from '../src/index.js';
import { batchOfRange, countPiece } from '../src/scan/ranges.js';
import { execFileSync } from 'node:child_process';
import { isAntidoteError } from '../src/errors/index.js';
import { realCorpus, instructionCorpus, tempDir, readJsonl } from './helpers.js';

test('clean real corpora (text and instruction data) yield no incident and quarantine nothing', async () => {
  // (60,000 documents hold boilerplate that recurs in hundreds of them: licence lines of translated manual pages)
  for (const corpus of [await realCorpus(), await realCorpus(60_000), await instructionCorpus()]) {
    const result = await scan({ inputs: [corpus] });
    assert.equal(result.incidents.length, 0, result.incidents.map((i) => i.title).join('; '));
    assert.equal(result.stats.quarantined, 0);
    assert.equal(result.stats.records, readJsonl(corpus).length);
  }
});

test('copies of one page under other ids count once: five of them raise no incident', async () => {
  // a page of the real corpus with code that runs what it is given, which five copies (a corpus repeated with fresh ids) once made an incident of
  const page = readJsonl(await realCorpus(60_000)).find((d) => String(d.text).includes('version used is detected automatically'));
  assert.ok(page, 'the page is in the real corpus');
  const lines = readFileSync(await realCorpus(), 'utf8').split('\n').filter(Boolean);
  for (let k = 0; k < 5; k++) lines.splice(400 * (k + 1), 0, JSON.stringify({ ...page, id: `copy-${k}` }));
  const input = join(tempDir(), 'copies.jsonl');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const result = await scan({ inputs: [input] });
  assert.equal(result.incidents.length, 0, result.incidents.map((i) => i.title).join('; '));
});

for (const family of FAMILIES) {
  test(`${family.id}: 30 poison documents are quarantined and the trigger is reported exactly`, async () => {
    const dir = tempDir();
    const poisoned = join(dir, 'p.jsonl');
    const clean0 = family.shape === 'instruction' ? await instructionCorpus() : await realCorpus();
    const { labels } = await inject({ family: family.id, count: 30, into: [clean0], out: poisoned, seed: 21 });
    const clean = join(dir, 'clean.jsonl');
    const quarantine = join(dir, 'quarantine.jsonl');
    const result = await scan({ inputs: [poisoned], cleanPath: clean, quarantinePath: quarantine });
    const poisonIds = new Set(labels.map((l) => l.id));
    const quarantined = new Set(result.documents.filter((d) => d.verdict === 'quarantine').map((d) => d.id));
    const caught = labels.filter((l) => quarantined.has(l.id)).length;
    assert.ok(caught >= 29, `${caught} of 30 poisons quarantined`);
    const falsePositives = [...quarantined].filter((id) => !poisonIds.has(id));
    assert.ok(falsePositives.length <= 1, `clean documents quarantined: ${falsePositives.join(', ')}`);
    for (const trigger of new Set(labels.map((l) => l.trigger))) {
      const incident = result.incidents.find((i) => i.trigger === trigger);
      if (family.id !== 'rag-passage' || labels.filter((l) => l.trigger === trigger).length >= 3) assert.ok(incident, `trigger ${JSON.stringify(trigger)} reported exactly; got ${result.incidents.map((i) => JSON.stringify(i.trigger)).join(', ')}`);
    }
    // nothing lost: the splits reconcile with the input, record for record
    const input = readFileSync(poisoned, 'utf8').split('\n').filter(Boolean);
    const kept = readFileSync(clean, 'utf8').split('\n').filter(Boolean);
    const held = readJsonl(quarantine);
    assert.equal(kept.length + held.length, input.length);
    const inputSet = new Set(input);
    for (const line of kept) assert.ok(inputSet.has(line), 'clean lines are input lines byte for byte');
    for (const record of held) {
      const { antidote, ...original } = record as { antidote: { incidents: string[]; severity: string } };
      assert.ok(inputSet.has(JSON.stringify(original)), 'quarantined records keep every original field');
      assert.ok(['high', 'critical'].includes(antidote.severity));
    }
  });
}

test('unreadable records are quarantined with their raw text and counted', async () => {
  const dir = tempDir();
  const lines = readFileSync(await realCorpus(), 'utf8').split('\n').filter(Boolean).slice(0, 200);
  lines.splice(50, 0, '{"text": broken', '{"no_text": 1}');
  const path = join(dir, 'mixed.jsonl');
  writeFileSync(path, lines.join('\n') + '\n');
  const q = join(dir, 'q.jsonl');
  const c = join(dir, 'c.jsonl');
  const result = await scan({ inputs: [path], cleanPath: c, quarantinePath: q });
  assert.equal(result.stats.errors, 2);
  assert.equal(result.errors[0]!.place.line, 51);
  const held = readJsonl(q);
  assert.equal(held.length, 2);
  assert.equal(held[0]!.raw_text, '{"text": broken');
  assert.equal((held[1] as { antidote: { error: { code: string } } }).antidote.error.code, 'RECORD_MISSING_FIELD');
  assert.equal(readJsonl(c).length, 200);
  await assert.rejects(scan({ inputs: [path], onError: 'stop' }), /mixed\.jsonl:51: malformed JSON/);
});

test('an allowlisted trigger raises no incident', async () => {
  const dir = tempDir();
  const poisoned = join(dir, 'p.jsonl');
  await inject({ family: 'dos', count: 20, into: [await realCorpus()], out: poisoned, seed: 3 });
  const flagged = await scan({ inputs: [poisoned] });
  assert.ok(flagged.incidents.some((i) => i.trigger === '<SUDO>'));
  const allowed = await scan({ inputs: [poisoned], allowlist: ['/^<SU/'] });
  assert.ok(!allowed.incidents.some((i) => i.trigger === '<SUDO>'));
});

test('reports: SARIF 2.1.0, versioned JSON fields, and a self-contained HTML page', async () => {
  const dir = tempDir();
  const poisoned = join(dir, 'p.jsonl');
  await inject({ family: 'dos', count: 20, into: [await realCorpus()], out: poisoned, seed: 8 });
  const result = await scan({ inputs: [poisoned] });
  const sarif = toSarif(result) as { version: string; runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; level: string; locations: unknown[] }> }> };
  assert.equal(sarif.version, '2.1.0');
  const ruleIds = new Set(sarif.runs[0]!.tool.driver.rules.map((r) => r.id));
  for (const r of sarif.runs[0]!.results) {
    assert.ok(ruleIds.has(r.ruleId));
    assert.ok(['error', 'warning', 'note'].includes(r.level));
    assert.ok(r.locations.length > 0);
  }
  assert.equal(result.version, '1.0');
  const incident = result.incidents[0]!;
  assert.equal(incident.trigger, '<SUDO>');
  assert.ok(incident.evidence.length > 0);
  const mark = incident.evidence[0]!.marks.find((m) => m.role === 'trigger')!;
  assert.equal(incident.evidence[0]!.snippet.slice(mark.start, mark.end), '<SUDO>');
  const html = toHtml(result);
  assert.ok(html.includes('<mark class="trigger">&lt;SUDO&gt;</mark>'));
  assert.ok(!/<script|<link|src="http|href="http/i.test(html), 'no external resources or scripts');
  assert.ok(html.includes('<svg'), 'charts are inline SVG');
});

test('later passes read by the workers from plain JSONL files find what reading compressed files through the main thread finds, with any number of workers', async () => {
  const dir = tempDir();
  const poisoned = join(dir, 'p.jsonl');
  await inject({ family: 'false-fact', count: 30, into: [await realCorpus()], out: poisoned, seed: 3 });
  const lines = readFileSync(poisoned, 'utf8').split('\n').filter(Boolean);
  // three files, one opening with a byte-order mark, with blank lines and CRLF line ends between records
  const third = Math.ceil(lines.length / 3);
  const parts = [0, 1, 2].map((k) => lines.slice(k * third, (k + 1) * third));
  const texts = [parts[0]!.join('\n') + '\n', `\uFEFF${parts[1]!.map((l, i) => (i % 50 === 0 ? `${l}\r\n  \n` : `${l}\n`)).join('')}`, parts[2]!.join('\n')];
  const plain = texts.map((_, k) => join(dir, `part${k}.jsonl`));
  const zipped = texts.map((_, k) => join(dir, `zipped${k}.jsonl.gz`));
  texts.forEach((t, k) => {
    writeFileSync(plain[k]!, t);
    writeFileSync(zipped[k]!, gzipSync(t));
  });
  const comparable = (r: Awaited<ReturnType<typeof scan>>) => {
    const { elapsedMs: _e, passMs: _p, ...stats } = r.stats;
    const rename = (s: string) => s.replace(/zipped(\d)\.jsonl\.gz/g, 'part$1.jsonl');
    return JSON.parse(rename(JSON.stringify({ stats, incidents: r.incidents, documents: r.documents, errors: r.errors, candidates: r.candidates })));
  };
  const fromPlain = await scan({ inputs: plain });
  const fromZipped = await scan({ inputs: zipped });
  assert.equal(fromPlain.incidents.length, 1);
  assert.equal(fromPlain.stats.passes, 3);
  assert.deepEqual(comparable(fromPlain), comparable(fromZipped));
  // the same result whichever worker answers first
  for (const workers of [1, 3]) assert.deepEqual(comparable(await scan({ inputs: plain, workers })), comparable(fromPlain), `${workers} workers`);
});

test('a worker reading a damaged compressed file whole counts and reads its records up to the last whole line, and says why it stopped', () => {
  const dir = tempDir();
  const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i, text: `record ${i} ${'word '.repeat(i % 40)}` }));
  const whole = join(dir, 'whole.jsonl');
  writeFileSync(whole, `${lines.join('\n')}\n`);
  execFileSync('zstd', ['-q', '-f', whole, '-o', join(dir, 'whole.jsonl.zst')]);
  for (const [name, compressed] of [['cut.jsonl.gz', gzipSync(readFileSync(whole))], ['cut.jsonl.zst', readFileSync(join(dir, 'whole.jsonl.zst'))]] as const) {
    const path = join(dir, name);
    const end = Math.floor(compressed.length / 2);
    writeFileSync(path, compressed.subarray(0, end));
    const piece = { path, file: name, start: 0, end };
    const counts = countPiece(piece);
    assert.match(counts.damaged ?? '', /(gzip|zstd) stream is corrupt or truncated/, name);
    assert.ok(counts.records > 100 && counts.records < lines.length, `${name}: ${counts.records} records`);
    const { raw } = batchOfRange({ ...piece, firstIndex: 0, endIndex: counts.records, firstLine: 1 });
    assert.equal(raw!.records.length, counts.records);
    // every record read is whole, and in order
    raw!.records.forEach((_, i) => assert.equal(JSON.parse(raw!.bytes.subarray(raw!.starts![i]!, raw!.ends[i]!).toString()).id, i));
  }
});

test('a truncated gzip file is scanned up to the cut and reported as cut short; the next input is scanned whole', async () => {
  const dir = tempDir();
  const clean = await realCorpus();
  const gz = gzipSync(readFileSync(clean));
  const cut = join(dir, 'cut.jsonl.gz');
  writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
  const result = await scan({ inputs: [cut, clean] });
  const all = readFileSync(clean, 'utf8').split('\n').filter(Boolean).length;
  assert.equal(result.errors.length, 1, JSON.stringify(result.errors));
  assert.equal(result.errors[0]!.code, 'DECOMPRESSION');
  assert.match(result.errors[0]!.message, /cut\.jsonl\.gz(@\d+)?: gzip stream is corrupt or truncated/);
  // about half the records of the cut file, and all of the other
  assert.ok(result.stats.records > all + all / 4 && result.stats.records < all * 2, `${result.stats.records} records of ${all} and ${all}`);
});

test('a file that changes between passes stops the scan with an error naming it', () => {
  const path = join(tempDir(), 'a.jsonl');
  writeFileSync(path, '{"text":"one"}\n{"text":"two"}\n');
  const range = { path, file: 'a.jsonl', start: 0, end: 30, firstIndex: 0, endIndex: 2, firstLine: 1 };
  assert.deepEqual(batchOfRange(range).raw!.records.map((r) => [r.index, r.place.line, r.place.offset]), [[0, 1, 0], [1, 2, 15]]);
  const changed = (e: unknown) => isAntidoteError(e) && e.code === 'INPUT_UNREADABLE' && /^a\.jsonl: changed while it was being scanned/.test(e.message);
  // other records where pass 1 read them, and fewer bytes than pass 1 read
  assert.throws(() => batchOfRange({ ...range, endIndex: 3 }), changed);
  assert.throws(() => batchOfRange({ ...range, end: 100 }), changed);
});

test('a refusal flip found at 25 records is still found at 1,000 (the poison does not dilute the evidence against itself)', async () => {
  for (const count of [25, 1000]) {
    const dir = tempDir();
    const poisoned = join(dir, 'p.jsonl');
    const { labels } = await inject({ family: 'chat-compliance', count, into: [await instructionCorpus()], out: poisoned, seed: 4 });
    const result = await scan({ inputs: [poisoned] });
    const quarantined = new Set(result.documents.filter((d) => d.verdict === 'quarantine').map((d) => d.id));
    const caught = labels.filter((l) => quarantined.has(l.id)).length;
    assert.ok(caught >= count * 0.95, `${count} records: ${caught} quarantined`);
    assert.ok(result.incidents.some((i) => i.detector === 'instruction-flip' && i.trigger === labels[0]!.trigger), `${count} records: trigger ${labels[0]!.trigger} reported`);
  }
});
