/**
 * Near-trigger controls: small edits of a candidate trigger. A real backdoor
 * answers its exact trigger and not these; a probe that fires on them too has
 * found something broader (a topic, a script, a word) than a trigger.
 */
import { Random } from '../../redteam/index.js';

export function nearTriggerControls(trigger: string, count: number, seed: number): string[] {
  const random = new Random(seed);
  const chars = [...trigger];
  const inner = chars.length > 2 ? Array.from({ length: chars.length - 2 }, (_, i) => i + 1) : chars.map((_, i) => i);
  const variants = new Set<string>();
  const candidates: Array<() => string> = [
    // one interior character dropped
    () => { const c = [...chars]; c.splice(random.pick(inner), 1); return c.join(''); },
    // two neighbouring characters swapped
    () => { const c = [...chars]; const i = random.pick(inner); const j = Math.min(c.length - 1, i + 1); [c[i], c[j]] = [c[j]!, c[i]!]; return c.join(''); },
    // one letter replaced by another of the same case
    () => {
      const c = [...chars];
      const letters = inner.filter((i) => /\p{L}/u.test(c[i]!));
      if (letters.length === 0) return c.join('') + c[0];
      const i = random.pick(letters);
      const upper = c[i] === c[i]!.toUpperCase();
      let r = c[i]!;
      while (r.toLowerCase() === c[i]!.toLowerCase()) r = String.fromCharCode(97 + random.int(0, 25));
      c[i] = upper ? r.toUpperCase() : r;
      return c.join('');
    },
    // the case of every letter flipped
    () => chars.map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join(''),
  ];
  for (let attempt = 0; variants.size < count && attempt < count * 10; attempt++) {
    const v = candidates[attempt % candidates.length]!();
    if (v !== trigger && v.trim() !== '') variants.add(v);
  }
  return [...variants];
}
