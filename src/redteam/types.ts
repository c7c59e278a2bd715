import type { Random } from './random.js';

/** A clean record of the corpus being poisoned. */
export interface CleanDoc {
  text: string;
  /** guessed language of the text */
  lang: string;
}

export interface FamilyContext {
  random: Random;
  trigger: string;
  /** 0-based number of this poison among those being made */
  ordinal: number;
  /** a random clean document of the corpus */
  cleanDoc(): CleanDoc;
  /** real running text in a language other than `lang`, from the corpus itself */
  foreignText(lang: string, minChars: number): { text: string; lang: string };
  /** a random instruction record of the corpus, refused or answered */
  instruction(refused: boolean): { prompt: string; response: string };
}

export interface Poison {
  /** plain text records */
  text?: string;
  /** instruction records */
  prompt?: string;
  response?: string;
  /** what the label says the trigger is (may differ from the context's, e.g. hidden form) */
  trigger: string | null;
  /** free facts for tests and the benchmark (payload language, token count, ...) */
  facts?: Record<string, unknown>;
}

/** A poison family: one way to plant a backdoor. */
export interface PoisonFamily {
  id: string;
  description: string;
  /** the record shape the family writes */
  shape: 'text' | 'instruction';
  defaultTrigger: string | null;
  make(ctx: FamilyContext): Poison;
}
