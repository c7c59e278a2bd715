/**
 * Record shapes: where the text of a record lives. Chat and instruction
 * records are split into the prompt a user writes and the response a model is
 * taught, because a backdoor in such data lives in how one predicts the other.
 */
import { AntidoteError, type Place } from '../errors/index.js';
import type { RecordShape } from './types.js';

export interface ShapedText {
  shape: RecordShape;
  text: string;
  prompt?: string;
  response?: string;
}

const PAIRS: ReadonlyArray<[string, string]> = [
  ['prompt', 'response'],
  ['prompt', 'completion'],
  ['question', 'answer'],
];

/** Keys that can make a record's text out of several fields (chat and instruction records); without any of them, the text is one field. */
export const MULTI_FIELD_KEYS: readonly string[] = ['messages', 'conversations', 'instruction', ...PAIRS.flat()];

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function chatContent(content: unknown): string {
  if (typeof content === 'string') return content;
  // OpenAI-style content parts: [{type: 'text', text: '...'}]
  if (Array.isArray(content)) return content.map((part) => (part && typeof part === 'object' ? asText((part as Record<string, unknown>).text) ?? '' : asText(part) ?? '')).join('\n');
  return '';
}

export function shapeOf(fields: Record<string, unknown>, textField: string, place: Place): ShapedText {
  const messages = fields.messages ?? fields.conversations;
  if (Array.isArray(messages)) {
    const prompt: string[] = [];
    const response: string[] = [];
    for (const m of messages) {
      if (!m || typeof m !== 'object') continue;
      const msg = m as Record<string, unknown>;
      const role = String(msg.role ?? msg.from ?? '');
      const content = chatContent(msg.content ?? msg.value);
      if (role === 'assistant' || role === 'gpt' || role === 'model') response.push(content);
      else prompt.push(content);
    }
    const p = prompt.join('\n');
    const r = response.join('\n');
    return { shape: 'chat', text: `${p}\n${r}`, prompt: p, response: r };
  }
  if (typeof fields.instruction === 'string' && fields.output !== undefined) {
    const input = asText(fields.input) ?? '';
    const p = input ? `${fields.instruction}\n${input}` : fields.instruction;
    const r = asText(fields.output) ?? '';
    return { shape: 'instruction', text: `${p}\n${r}`, prompt: p, response: r };
  }
  const direct = asText(fields[textField]);
  if (direct !== undefined) return { shape: 'text', text: direct };
  for (const [pk, rk] of PAIRS) {
    const p = asText(fields[pk]);
    const r = asText(fields[rk]);
    if (p !== undefined && r !== undefined) return { shape: 'instruction', text: `${p}\n${r}`, prompt: p, response: r };
  }
  const present = Object.keys(fields).slice(0, 8).join(', ') || 'none';
  throw new AntidoteError('RECORD_MISSING_FIELD', `no text field '${textField}' and no chat or instruction fields (fields present: ${present}); set --text-field`, place);
}
