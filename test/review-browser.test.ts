/**
 * The review interface in real Chromium (Debian's, driven by
 * playwright-core): a reviewer signs in, confirms one incident of a real
 * scan of the example corpus and marks another a false positive; the
 * ledger then holds both decisions, the model trained on the data is
 * refused, and the allowlist proposal names the false positive's trigger.
 * Screenshots of the queue and an incident page go to test-artifacts/review/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './helpers.js';
import { appendHostileScan, HOSTILE_TRIGGER, reviewFixture, startReviewServer } from './review-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'review');

test('a reviewer decides on incidents in the browser, and the ledger, check-model and the allowlist proposal follow', { skip: !existsSync(CHROMIUM) && 'Debian chromium is not installed (scripts/setup.sh installs it)', timeout: 240_000 }, async () => {
  const f = await reviewFixture();
  const hostile = await appendHostileScan(f);
  const { base } = await startReviewServer(f, ['--reports', 'findings.json']);
  const confirmKey = f.keyOf('<SUDO>');
  const falseKey = f.keyOf('zanzibar');
  mkdirSync(ARTIFACTS, { recursive: true });

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(`${base}/incidents`);
    assert.match(page.url(), /\/login$/, 'an unsigned visitor is sent to sign in');
    await page.fill('input[name=token]', f.tokens.reviewer);
    await page.click('button:has-text("Sign in")');
    await page.waitForLoadState();
    assert.match(page.url(), /\/incidents$/, await page.content());
    assert.ok((await page.locator('table.queue tbody tr').count()) >= 9, 'the queue lists the scan incidents and the hostile one');
    assert.match(await page.locator('header .who').innerText(), /rita \(reviewer\)/);
    await page.screenshot({ path: join(ARTIFACTS, 'queue.png'), fullPage: true });

    await page.click(`a:text-is("${confirmKey}")`);
    await page.waitForURL(new RegExp(`/incidents/${confirmKey}$`));
    assert.equal(await page.locator('dd.trigger').innerText(), '<SUDO>');
    assert.ok((await page.locator('.evidence mark.trigger').count()) > 0, 'evidence snippets mark the trigger');
    await page.waitForFunction("Boolean(window.Chart && Chart.getChart(document.getElementById('candidates')))");
    await page.click('button[value=confirm]');
    await page.waitForSelector('h1 .state.confirmed');
    assert.match(await page.locator('.history').innerText(), /rita confirm/);
    await page.screenshot({ path: join(ARTIFACTS, 'incident-confirmed.png'), fullPage: true });

    await page.goto(`${base}/incidents/${falseKey}`);
    await page.click('button[value=false-positive]');
    await page.waitForSelector('p.error');
    assert.match(await page.locator('p.error').innerText(), /needs a reason/, 'a false positive without a reason is refused on the page');
    await page.fill('textarea[name=reason]', 'a place name in travel writing');
    await page.click('button[value=false-positive]');
    await page.waitForSelector('h1 .state.false-positive');
    assert.match(await page.locator('pre.patch').innerText(), /\+\s+- zanzibar/, 'the page proposes the allowlist entry');
    await page.screenshot({ path: join(ARTIFACTS, 'incident-false-positive.png'), fullPage: true });

    await page.goto(`${base}/incidents/${hostile}`);
    assert.equal(await page.locator('dd.trigger').innerText(), HOSTILE_TRIGGER, 'markup in a trigger is shown as text');
    assert.notEqual(await page.title(), 'pwned', 'script in a trigger never runs');
    await page.goto(`${base}/incidents`);
    assert.notEqual(await page.title(), 'pwned');

    // A page on another origin posts a decision with the reviewer's cookie but no valid CSRF token.
    const attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<form id="f" method="post" action="${base}/api/incidents/${hostile}/decision"><input name="action" value="false-positive"><input name="reason" value="forged"><input name="csrf" value="guessed"></form><script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
    try {
      const answer = page.waitForResponse((r) => r.url().endsWith('/decision'));
      await page.goto(`http://127.0.0.1:${(attacker.address() as { port: number }).port}/`);
      assert.equal((await answer).status(), 403, 'a forged cross-site form is refused');
    } finally {
      attacker.close();
    }
    assert.deepEqual(problems, [], 'no script errors on the pages');
  } finally {
    await browser.close();
  }

  const confirmed = JSON.parse(f.run(['incident', 'show', confirmKey, '--json']).stdout);
  assert.deepEqual(confirmed.history.map((h: { action: string; by: string }) => [h.action, h.by]), [['confirm', 'rita']]);
  assert.deepEqual(confirmed.affected, { datasets: ['example@1'], models: ['demo-model'] });
  const falsePositive = JSON.parse(f.run(['incident', 'show', falseKey, '--json']).stdout);
  assert.deepEqual(falsePositive.history.map((h: { action: string; reason: string }) => [h.action, h.reason]), [['false-positive', 'a place name in travel writing']]);
  const untouched = JSON.parse(f.run(['incident', 'show', hostile, '--json']).stdout);
  assert.deepEqual(untouched.history, [], 'the forged request recorded nothing');

  const check = f.run(['ledger', 'check-model', 'model', '--name', 'demo-model']);
  assert.equal(check.code, 1, check.stdout + check.stderr);
  assert.match(check.stdout, new RegExp(`REFUSED: .*${confirmKey}`));
  assert.equal(f.run(['ledger', 'verify']).code, 0, 'the decisions keep the ledger verifiable');

  const proposal = (await (await fetch(`${base}/api/incidents/${falseKey}/allowlist`, { headers: { authorization: `Bearer ${f.tokens.viewer}` } })).json()) as { trigger: string; patch: string };
  assert.equal(proposal.trigger, 'zanzibar');
  assert.match(proposal.patch, /\+\s+- zanzibar/);
});
