/**
 * Screening what a RAG pipeline retrieved, before it reaches the prompt: each
 * passage for known triggers, hidden characters and the payload detectors,
 * and the batch as a whole for PoisonedRAG passages, several that open with
 * the same question and assert the same answer (one retrieval is where such
 * passages meet: a retriever ranks each of them first for that question).
 * Pure computation: no I/O.
 */
import { commonAnswer, ragFactsOf, type RagFacts } from '../scan/detectors/index.js';
import { screenPrompt, screenPassage, type Flag, type ScreenSettings } from './screens.js';

export interface ChunkResult {
  index: number;
  id?: string;
  flags: Flag[];
}

/** passages of one batch opening with the same question that make it a PoisonedRAG set */
const MIN_SAME_QUESTION = 2;

export function screenChunks(chunks: ReadonlyArray<{ id?: string; text: string }>, settings: ScreenSettings): ChunkResult[] {
  const results: ChunkResult[] = chunks.map((c, index) => ({ index, ...(c.id === undefined ? {} : { id: c.id }), flags: [...screenPrompt(c.text, settings), ...screenPassage(c.text)] }));
  const byQuestion = new Map<string, Array<{ index: number; facts: RagFacts }>>();
  chunks.forEach((c, index) => {
    const facts = ragFactsOf(c.text);
    if (facts) byQuestion.set(facts.key, [...(byQuestion.get(facts.key) ?? []), { index, facts }]);
  });
  for (const group of byQuestion.values()) {
    if (group.length < MIN_SAME_QUESTION) continue;
    const answer = commonAnswer(group[0]!.facts.question, group.map((g) => g.facts.body));
    if (!answer) continue;
    for (const { index, facts } of group) {
      results[index]!.flags.push({ screen: 'rag-passage', message: `${group.length} passages open with "${facts.question}" and all answer "${answer}" (PoisonedRAG)`, blocks: true });
    }
  }
  return results;
}
