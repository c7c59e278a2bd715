export { tokenize, tokenBounds, words, ngram, tokenAt, type Tokens } from './tokenize.js';
export { guessLanguage, guessLanguageIn, languageEvidence, isFunctionWord, LATIN_LANGUAGES, type LanguageGuess, type LanguageEvidence } from './language.js';
export {
  isInvisible, describeCodePoint, scriptOf, toLatinSkeleton, CONFUSABLE_WITH_LATIN, type Script,
} from './unicode.js';
export { fnv1a } from './hash.js';
