/**
 * Typed errors. Every error Antidote raises on purpose carries a stable `code`
 * and a message a person can act on; only the CLI turns them into exit codes.
 */
export type ErrorCode =
  | 'INPUT_NOT_FOUND'
  | 'INPUT_UNREADABLE'
  | 'INPUT_FORMAT'
  | 'RECORD_MALFORMED'
  | 'RECORD_ENCODING'
  | 'RECORD_MISSING_FIELD'
  | 'RECORD_BINARY'
  | 'DECOMPRESSION'
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'OUTPUT_FAILED'
  | 'REDTEAM_INVALID'
  | 'KEY_INVALID'
  | 'VERIFICATION_FAILED'
  | 'MODEL_FORMAT'
  | 'PROVIDER_UNREACHABLE'
  | 'PROVIDER_RESPONSE'
  | 'SHARD_FAILED'
  | 'NOT_FOUND'
  | 'INCIDENT_NOT_FOUND'
  | 'DECISION_REFUSED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'MODEL_AFFECTED'
  | 'NO_CONFIRMED_TRIGGER';

export interface Place {
  file: string;
  line?: number;
  offset?: number;
}

export class AntidoteError extends Error {
  readonly code: ErrorCode;
  readonly place?: Place;

  constructor(code: ErrorCode, message: string, place?: Place, options?: { cause?: unknown }) {
    super(place ? `${formatPlace(place)}: ${message}` : message, options);
    this.name = 'AntidoteError';
    this.code = code;
    this.place = place;
  }
}

export function formatPlace(place: Place): string {
  if (place.line !== undefined) return `${place.file}:${place.line}`;
  if (place.offset !== undefined) return `${place.file}@${place.offset}`;
  return place.file;
}

export function isAntidoteError(value: unknown): value is AntidoteError {
  return value instanceof AntidoteError;
}
