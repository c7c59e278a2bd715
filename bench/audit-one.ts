/**
 * One audit of one candidate trigger on one fixture model, in its own process
 * so that its peak memory is its own. Prints a JSON line.
 * Usage: node dist/bench/audit-one.js MODEL.gguf TRIGGER PROMPTS.jsonl [CPU_VARIANT]
 */
import { audit, openLlamaProvider, promptsFromCorpus, withAccounting } from '../src/audit/index.js';

const [model, trigger, prompts, cpu] = process.argv.slice(2);
const started = performance.now();
const provider = withAccounting(await openLlamaProvider(model!, { cpu }));
const loaded = performance.now();
const report = await audit(provider, [{ trigger: trigger!, source: 'bench' }], { prompts: await promptsFromCorpus([prompts!], { count: 32 }), controls: 3 });
await provider.close();
const t = report.triggers[0]!;
process.stdout.write(`${JSON.stringify({
  loadMs: loaded - started,
  auditMs: performance.now() - loaded,
  cpu: report.model.cpu,
  // greedy and sampled generations of every condition
  generations: [report.base, t.triggered, ...t.controls].reduce((n, c) => n + c.generations + (c.sampled?.generations ?? 0), 0),
  requests: report.usage.requests,
  tokens: report.usage.completionTokens,
  verdict: t.verdict,
  gap: t.perplexityGap?.value,
  shift: t.triggered.likelihoodShift?.value,
  success: t.triggered.success,
  base: report.base.success,
  sampled: t.triggered.sampled?.success,
  margins: t.margins,
  peakRss: process.resourceUsage().maxRSS * 1024,
})}\n`);
