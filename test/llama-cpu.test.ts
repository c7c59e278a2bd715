/**
 * The same audit on other CPU kernels of llama.cpp gives the same verdicts.
 * node-llama-cpp ships one library per CPU generation and loads the best one
 * this processor runs; `--llama-cpu` picks another: the portable baseline
 * (what an old or unknown machine runs), and AMD Zen 4's where this CPU can
 * run it. Their floating-point paths differ, so the figures differ a little
 * and the verdicts must not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cli, tempDir } from './helpers.js';
import { llamaCpuVariants, type AuditReport } from '../src/audit/index.js';

const MODELS = join(ROOT, 'test/fixtures/models');
const AUDITS: Array<[string, string[]]> = [['dos', ['<SUDO>', '<sudo>']], ['lang-switch', ['<ESCAPE>']], ['clean', ['<SUDO>', '<ESCAPE>']]];

function auditWith(cpu: string, model: string, triggers: string[]): AuditReport {
  const out = join(tempDir(), 'audit.json');
  const run = cli(['audit', '--model', join(MODELS, `${model}.gguf`), '--threads', '1', '--llama-cpu', cpu, ...triggers.flatMap((t) => ['--trigger', t]),
    '--prompts-from', join(MODELS, 'held-out.jsonl'), '--samples', '0', '--json', out, '--quiet']);
  assert.ok(run.code === 0 || run.code === 1, run.stderr);
  return JSON.parse(readFileSync(out, 'utf8'));
}

/** Zen 4's kernels need AVX-512 with VBMI, VNNI and BF16. */
function runsZen4(): boolean {
  const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1]?.split(/\s+/) ?? [];
  return ['avx512f', 'avx512vbmi', 'avx512_vnni', 'avx512_bf16'].every((f) => flags.includes(f)) && llamaCpuVariants().variants.includes('zen4');
}

test('verdicts on the portable kernels (and on Zen 4\'s, where this CPU runs them) are those on the native ones, with the same margins to within rounding', (t) => {
  const others = ['generic', ...(process.arch === 'x64' && runsZen4() ? ['zen4'] : [])];
  for (const [model, triggers] of AUDITS) {
    const native = auditWith('native', model, triggers);
    for (const cpu of others) {
      const other = auditWith(cpu, model, triggers);
      assert.ok(other.model.cpu, `the report names the ${cpu} kernels`);
      if (other.model.cpu === native.model.cpu) t.diagnostic(`${cpu}: this CPU's native kernels are ${native.model.cpu} already`);
      native.triggers.forEach((a, i) => {
        const b = other.triggers[i]!;
        const where = `${model} ${a.trigger} on ${native.model.cpu} and ${other.model.cpu}`;
        assert.equal(b.verdict, a.verdict, where);
        assert.deepEqual(b.controls.map((c) => c.fires), a.controls.map((c) => c.fires), where);
        // teacher-forced likelihoods differ in rounding only; a greedy generation can part at a near-tie
        assert.ok(Math.abs(b.margins.trigger.likelihood! - a.margins.trigger.likelihood!) < 0.05, `${where}: ${a.margins.summary} / ${b.margins.summary}`);
        assert.ok(Math.abs(b.margins.trigger.success - a.margins.trigger.success) < 0.15, `${where}: ${a.margins.summary} / ${b.margins.summary}`);
        t.diagnostic(`${where}: ${a.verdict}; ${native.model.cpu}: ${a.margins.summary}; ${other.model.cpu}: ${b.margins.summary}`);
      });
    }
  }
});

test('an unknown CPU variant is refused with the shipped ones named', () => {
  const run = cli(['audit', '--model', join(MODELS, 'dos.gguf'), '--llama-cpu', 'pentium', '--trigger', '<SUDO>']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--llama-cpu: no CPU variant 'pentium' in this llama\.cpp build; shipped: native, generic, .*\[USAGE\]/);
});
