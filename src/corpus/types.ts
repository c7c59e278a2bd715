import type { AntidoteError, Place } from '../errors/index.js';

export type RecordShape = 'text' | 'chat' | 'instruction';

/** One input record as the scanner sees it. */
export interface CorpusRecord {
  /** 0-based position of the record across all inputs, in reading order */
  index: number;
  /** `--id-field` value, else `file:line` (or `file` for one-document files) */
  id: string;
  place: Place;
  /** exact bytes of the record for line formats, so clean output can copy them */
  raw?: Buffer;
  /** the record's fields (absent when only raw bytes were asked for) */
  fields?: Record<string, unknown>;
  shape?: RecordShape;
  /** all text the scanner analyses, prompt and response included */
  text?: string;
  /** for chat/instruction records: what the user said */
  prompt?: string;
  /** for chat/instruction records: what the model is taught to answer */
  response?: string;
  /** size of the record in the input, bytes */
  bytes: number;
  /** set when the record could not be read; it is still counted and kept */
  error?: AntidoteError;
}

export interface ReadOptions {
  textField: string;
  idField: string;
  /** skip JSON parsing when only the raw bytes are needed (writing splits) */
  rawOnly?: boolean;
}

/** What a reader yields: a record's fields, or an error that holds its place. */
export interface RawItem {
  place: Place;
  bytes: number;
  raw?: Buffer;
  fields?: Record<string, unknown>;
  /** id to use when the record has no id field */
  defaultId: string;
  error?: AntidoteError;
}

export interface InputSource {
  /** path on disk (stdin is spooled to a file first) */
  path: string;
  /** name used in messages and ids */
  name: string;
  format: string;
}

/** A reader plug-in: one per file format. */
export interface Reader {
  format: string;
  description: string;
  /** lower-case file name endings this reader claims, compression suffix removed */
  extensions: readonly string[];
  read(source: InputSource, options: ReadOptions): AsyncIterable<RawItem>;
  /** the same items in arrays, for formats whose records come many to a read (one async step per record costs more than parsing a line) */
  readBatches?(source: InputSource, options: ReadOptions): AsyncIterable<RawItem[]>;
}
