/**
 * Review and governance without a browser: the lifecycle's rules, the
 * `incident` commands, check-model's refusal, allowlist proposals, and the
 * server's API refusing what a caller may not do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { foldDecisions, nextState, parseIncidentKey, proposeAllowlistEntry } from '../src/review/index.js';
import type { DecisionRecord } from '../src/ledger/index.js';
import { cli, ROOT, startPostgres, tempDir } from './helpers.js';
import { appendGuardIncident, appendHostileScan, HOSTILE_TRIGGER, reviewFixture, startReviewServer } from './review-fixture.js';

test('the lifecycle: decide from open, reopen before deciding otherwise, reasons where they are owed', () => {
  assert.equal(nextState('open', 'confirm', undefined), 'confirmed');
  assert.deepEqual(nextState('confirmed', 'false-positive', 'x'), { refused: 'the incident is confirmed; reopen it first' });
  assert.deepEqual(nextState('open', 'false-positive', '  '), { refused: "'false-positive' needs a reason" });
  assert.deepEqual(nextState('open', 'reopen', undefined), { refused: 'the incident is already open' });
  assert.equal(nextState('confirmed', 'comment', 'looked again'), 'confirmed');
  const d = (action: DecisionRecord['action'], extra: Partial<DecisionRecord> = {}): DecisionRecord => ({ kind: 'decision', entry: 0, incident: { entry: 7, id: 'INC-001' }, action, by: 'a', created: '', ...extra });
  const folded = foldDecisions([d('confirm', { affected: { datasets: ['x@1'] } }), d('comment', { reason: 'still poison' }), d('reopen'), d('false-positive', { reason: 'boilerplate' }), d('confirm')]);
  assert.deepEqual(folded.get('S7-INC-001'), { state: 'false-positive', affected: [] }, 'a refused record (confirm without reopening) changes nothing');
  assert.deepEqual(parseIncidentKey('G12'), { entry: 12 });
  assert.throws(() => parseIncidentKey('S1-../etc'), /not an incident key/);
});

test('an allowlist proposal keeps the file as written and adds only the trigger', () => {
  const current = '# team settings\nscan:\n  failOn: high # stop CI\n  allowlist:\n    - "Copyright (c)"\n';
  const p = proposeAllowlistEntry(current, 'zanzibar');
  assert.equal(p.after, '# team settings\nscan:\n  failOn: high # stop CI\n  allowlist:\n    - "Copyright (c)"\n    - zanzibar\n');
  assert.match(p.patch, /^\+    - zanzibar$/m);
  assert.equal(proposeAllowlistEntry(p.after, 'zanzibar').present, true);
  assert.match(proposeAllowlistEntry('', '<SUDO>').after, /allowlist:\n    - <SUDO>/);
  assert.throws(() => proposeAllowlistEntry('scan:\n  allowlist: yes\n', 'x'), /scan.allowlist is not a list/);
});

const fixture = reviewFixture();

test('incident commands: bulk decisions are all or nothing, reopening lifts the refusal, errors say what to do', async () => {
  const f = await fixture;
  const [a, b] = [f.keyOf('<ESCAPE>'), f.keyOf('fast path, reviewed by rvt')];
  assert.equal(f.run(['incident', 'decide', a, '--action', 'confirm', '--by', 'rita']).code, 0);
  const size = (): number => Number(/ok: (\d+) entries/.exec(f.run(['ledger', 'verify']).stdout)?.[1]);
  const before = size();
  const bulk = f.run(['incident', 'decide', b, a, '--action', 'confirm', '--by', 'rita']);
  assert.equal(bulk.code, 2);
  assert.match(bulk.stderr, new RegExp(`${a}: the incident is confirmed; reopen it first \\[DECISION_REFUSED\\]`));
  assert.equal(size(), before, 'nothing of a refused bulk decision reaches the ledger');
  assert.equal(JSON.parse(f.run(['incident', 'show', b, '--json']).stdout).state, 'open');

  const refused = f.run(['ledger', 'check-model', 'model', '--name', 'demo-model']);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, new RegExp(`REFUSED: .*${a}`));
  const keys = generateKeyPairSync('ed25519');
  writeFileSync(join(f.dir, 'sign.pem'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(f.dir, 'sign.pub'), keys.publicKey.export({ type: 'spki', format: 'pem' }));
  assert.equal(f.run(['sign', 'model', '--key', 'sign.pem']).code, 0);
  const verified = f.run(['verify', 'model', '--public-key', 'sign.pub']);
  assert.equal(verified.code, 1, 'verify refuses a signed model the ledger marks affected');
  assert.match(verified.stdout, new RegExp(`REFUSED: model: the signature holds, but the ledger records it as model demo-model .*${a}`));
  assert.equal(f.run(['verify', 'model', '--public-key', 'sign.pub', '--allow-affected']).code, 0);
  assert.equal(f.run(['incident', 'decide', a, '--action', 'reopen', '--by', 'rita']).code, 0);
  const passed = f.run(['ledger', 'check-model', 'model', '--name', 'demo-model', '--ignore-paths', 'model.sig']);
  assert.equal(passed.code, 0, `a reopened incident no longer marks the model: ${passed.stdout}`);
  assert.equal(f.run(['verify', 'model', '--public-key', 'sign.pub']).code, 0);

  assert.match(f.run(['incident', 'show', 'S999999-INC-001']).stderr, /no incident S999999-INC-001 in the ledger \[INCIDENT_NOT_FOUND\]/);
  assert.match(f.run(['incident', 'decide', a, '--action', 'approve']).stderr, /action must be one of confirm, false-positive/);
  writeFileSync(join(f.dir, 'other.json'), '{"incidents": []}');
  assert.match(f.run(['incident', 'attach', 'other.json']).stderr, /other.json: no scan in the ledger recorded this report/);
  assert.match(f.run(['ledger', 'add-model', 'model', '--name', 'm2', '--trained-on', 'example@9']).stderr, /dataset versions the ledger does not hold: example@9/);
  const playbook = JSON.parse(f.run(['incident', 'playbook', f.keyOf('<SUDO>'), '--json']).stdout);
  assert.equal(playbook.isolate.documents.length, 42);
  assert.match(playbook.steps[0], /is open, not confirmed: this playbook is a preview/);
});

test('the review database is a projection: rebuilt from the ledger it holds the same states', async () => {
  const f = await fixture;
  const guardKey = await appendGuardIncident(f);
  const guard = JSON.parse(f.run(['incident', 'show', guardKey, '--json']).stdout);
  assert.deepEqual([guard.source, guard.severity, guard.trigger, guard.detector], ['guard', 'high', '<SUDO>', 'trigger-mining']);
  assert.equal(f.run(['incident', 'decide', guardKey, '--action', 'accept-risk', '--reason', 'red-team traffic', '--by', 'rita']).code, 0);
  const states = (): string => f.run(['incident', 'list', '--json', '--limit', '100']).stdout;
  const before = JSON.parse(states()).items.map((i: { key: string; state: string }) => `${i.key}=${i.state}`);
  const copy = join(f.dir, 'rebuilt.sqlite');
  const rebuilt = JSON.parse(f.run(['incident', 'list', '--json', '--limit', '100', '--review-db', copy]).stdout).items.map((i: { key: string; state: string }) => `${i.key}=${i.state}`);
  assert.deepEqual(rebuilt, before);
  rmSync(copy);
  const other = join(f.dir, 'other-ledger');
  assert.equal(f.run(['ledger', 'init', '--origin', 'other.test/ledger', '--store', join(other, 'ledger.sqlite')]).code, 0);
  const mixed = f.run(['incident', 'list', '--store', join(other, 'ledger.sqlite'), '--review-db', join(f.dir, '.antidote-ledger', 'review.sqlite')]);
  assert.match(mixed.stderr, /belongs to another ledger \(review.test\/ledger\); give this ledger its own with --review-db/);
});

test('the API refuses callers without a token, viewers who decide, forged forms and bad requests; pages show markup as text', async () => {
  const f = await fixture;
  const hostile = await appendHostileScan(f);
  const { base } = await startReviewServer(f);
  const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const decision = (key: string, headers: Record<string, string>, body: unknown) => fetch(`${base}/api/incidents/${key}/decision`, { method: 'POST', headers, body: JSON.stringify(body) });

  assert.equal((await fetch(`${base}/api/incidents`)).status, 401);
  assert.equal((await decision(hostile, { 'content-type': 'application/json' }, { action: 'confirm' })).status, 401, 'no anonymous writes');
  assert.equal((await fetch(`${base}/api/incidents`, { headers: as('adt_not-a-token') })).status, 401);
  const viewer = await decision(hostile, as(f.tokens.viewer), { action: 'confirm' });
  assert.equal(viewer.status, 403);
  assert.equal(((await viewer.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
  assert.equal((await fetch(`${base}/api/incidents`, { headers: as(f.tokens.viewer) })).status, 200, 'a viewer reads');
  assert.equal((await fetch(`${base}/api/users`, { method: 'POST', headers: as(f.tokens.reviewer), body: '{"name":"eve","role":"admin"}' })).status, 403, 'only an admin adds users');
  const added = await fetch(`${base}/api/users`, { method: 'POST', headers: as(f.tokens.admin), body: '{"name":"rev2","role":"reviewer"}' });
  assert.equal(added.status, 201);
  const token2 = ((await added.json()) as { token: string }).token;
  assert.equal((await fetch(`${base}/api/me`, { headers: as(token2) }).then((r) => r.json()) as { name: string }).name, 'rev2');

  assert.equal((await decision(hostile, as(f.tokens.reviewer), { action: 'false-positive' })).status, 409, 'a false positive needs a reason');
  assert.equal((await fetch(`${base}/api/incidents/${hostile}/decision`, { method: 'POST', headers: as(f.tokens.reviewer), body: '{"action":' })).status, 400);
  assert.equal((await fetch(`${base}/api/incidents?state=bogus`, { headers: as(f.tokens.viewer) })).status, 400);
  assert.equal((await fetch(`${base}/api/incidents?pageSize=0`, { headers: as(f.tokens.viewer) })).status, 400);
  assert.equal((await fetch(`${base}/api/incidents/S1-NOPE`, { headers: as(f.tokens.viewer) })).status, 404);
  assert.equal((await fetch(`${base}/api/incidents`, { method: 'POST', headers: as(f.tokens.reviewer), body: 'x'.repeat(300_000) })).status, 400);
  const paged = (await (await fetch(`${base}/api/incidents?pageSize=3&page=2`, { headers: as(f.tokens.viewer) })).json()) as { items: unknown[]; total: number };
  assert.equal(paged.items.length, 3);
  assert.ok(paged.total >= 9);

  // A browser session: sign in with the form, then post without and with the page's CSRF token.
  const login = await fetch(`${base}/login`);
  const loginCookie = login.headers.getSetCookie()[0].split(';')[0];
  const loginCsrf = /name="csrf" value="([^"]+)"/.exec(await login.text())![1];
  const signedIn = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: f.tokens.reviewer, csrf: loginCsrf }) });
  assert.equal(signedIn.status, 303);
  const session = signedIn.headers.getSetCookie()[0].split(';')[0];
  assert.match(signedIn.headers.getSetCookie()[0], /HttpOnly; SameSite=Strict/);
  const form = (fields: Record<string, string>) => fetch(`${base}/api/incidents/${hostile}/decision`, { method: 'POST', redirect: 'manual', headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  assert.equal((await form({ action: 'confirm' })).status, 403, 'a form without the CSRF token is refused');
  assert.equal((await form({ action: 'confirm', csrf: 'x'.repeat(43) })).status, 403, 'a form with a forged CSRF token is refused');
  const page = await (await fetch(`${base}/incidents/${hostile}`, { headers: { cookie: session } })).text();
  assert.ok(!page.includes(HOSTILE_TRIGGER) && !page.includes('<script>document'), 'the trigger never reaches the page as markup');
  assert.ok(page.includes('&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;'));
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1];
  const ok = await form({ action: 'confirm', csrf });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), `/incidents/${hostile}`);
  const detail = (await (await fetch(`${base}/api/incidents/${hostile}`, { headers: as(f.tokens.viewer) })).json()) as { state: string; history: Array<{ by: string }> };
  assert.equal(detail.state, 'confirmed');
  assert.deepEqual(detail.history.map((h) => h.by), ['rita']);
  assert.equal((await fetch(`${base}/incidents`, { redirect: 'manual' })).headers.get('location'), '/login', 'pages send the unsigned to sign in');
});

test('review over a PostgreSQL ledger: decisions land in PostgreSQL, the review database beside the keys', async () => {
  const pgServer = await startPostgres();
  const name = `review_${process.pid}`;
  pgServer.createDatabase(name);
  const url = pgServer.url(name);
  const dir = tempDir();
  const run = (args: string[]) => cli([...args, '--store', url], { cwd: dir });
  const must = (args: string[]) => {
    const r = run(args);
    assert.ok(r.code === 0 || (args[0] === 'scan' && r.code === 1), `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  must(['ledger', 'init', '--origin', 'pg.review.test/ledger']);
  must(['ledger', 'add', join(ROOT, 'examples/corpus.jsonl.gz'), '--dataset', 'example']);
  must(['scan', join(ROOT, 'examples/corpus.jsonl.gz'), '--json', 'findings.json', '--record']);
  must(['incident', 'attach', 'findings.json']);
  const key = (JSON.parse(must(['incident', 'list', '--json'])) as { items: Array<{ key: string; trigger: string | null }> }).items.find((i) => i.trigger === '<SUDO>')!.key;
  must(['incident', 'decide', key, '--action', 'confirm', '--by', 'pat']);
  const detail = JSON.parse(must(['incident', 'show', key, '--json']));
  assert.deepEqual([detail.state, detail.affected.datasets, detail.evidence.evidence.length > 0], ['confirmed', ['example@1'], true]);
  assert.match(must(['ledger', 'verify']), /^ok: \d+ entries/);
  assert.ok(existsSync(join(dir, '.antidote-ledger', 'review.sqlite')));
});
