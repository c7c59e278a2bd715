export { tokenize, nextToken, words, letterWords, ngram, tokenAt, type Tokens, type TokenBounds } from './tokenize.js';
export { guessLanguage, guessLanguageIn, languagesShown, languageEvidence, isFunctionWord, LATIN_LANGUAGES, type LanguageGuess, type LanguageEvidence } from './language.js';
export {
  isInvisible, describeCodePoint, scriptOf, toLatinSkeleton, CONFUSABLE_WITH_LATIN, type Script,
} from './unicode.js';
export { fnv1a, lowerHash } from './hash.js';
export { scanDocument, tokenSpans, isFunctionWordAt, wordAt, lowerAt, wordsIn, type TokenSpans } from './spans.js';
export { WordPairModel, WordPairIndex, type WordPairTables } from './word-pairs.js';
