export { tokenize, ngram, tokenAt, type Tokens } from './tokenize.js';
export { guessLanguage, isFunctionWord, LATIN_LANGUAGES, type LanguageGuess } from './language.js';
export {
  isInvisible, describeCodePoint, scriptOf, toLatinSkeleton, CONFUSABLE_WITH_LATIN, type Script,
} from './unicode.js';
