/**
 * The JSON API's answers, shared by the pages: reading a request's fields
 * (JSON or a form) and turning the review store's data into responses.
 */
import { AntidoteError } from '../errors/index.js';
import { jsonObjectOf } from '../http/index.js';
import { REVIEW_STATES, type IncidentFilter, type ReviewStore } from '../review/index.js';

export const PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** A request body as fields: JSON objects as they are, forms with repeated fields as lists. */
export function fieldsOf(raw: Buffer, contentType: string | undefined): { fields: Record<string, unknown>; form: boolean } {
  if ((contentType ?? '').startsWith('application/x-www-form-urlencoded')) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) fields[k] = k in fields ? [fields[k], v].flat() : v;
    return { fields, form: true };
  }
  return { fields: jsonObjectOf(raw, (message) => new AntidoteError('USAGE', message)), form: false };
}

export function stringField(fields: Record<string, unknown>, name: string): string | undefined {
  const v = fields[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new AntidoteError('USAGE', `'${name}' must be a string`);
  return v;
}

export function listField(fields: Record<string, unknown>, name: string): string[] {
  const v = fields[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'string')) throw new AntidoteError('USAGE', `'${name}' must be a list of strings`);
  return list as string[];
}

export function filterOf(query: URLSearchParams): IncidentFilter {
  const state = query.get('state') || undefined;
  if (state && !(REVIEW_STATES as readonly string[]).includes(state)) throw new AntidoteError('USAGE', `state must be one of ${REVIEW_STATES.join(', ')}`);
  return { detector: query.get('detector') || undefined, severity: query.get('severity') || undefined, dataset: query.get('dataset') || undefined, state };
}

export function pageOf(query: URLSearchParams): { page: number; pageSize: number } {
  const page = Number(query.get('page') ?? 1);
  const pageSize = Number(query.get('pageSize') ?? PAGE_SIZE);
  if (!Number.isInteger(page) || page < 1) throw new AntidoteError('USAGE', 'page must be an integer >= 1');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw new AntidoteError('USAGE', `pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  return { page, pageSize };
}

export function incidentPageOf(review: ReviewStore, query: URLSearchParams): { filter: IncidentFilter; items: ReturnType<ReviewStore['list']>['items']; total: number; page: number; pageSize: number } {
  const filter = filterOf(query);
  const { page, pageSize } = pageOf(query);
  const { items, total } = review.list(filter, { offset: (page - 1) * pageSize, limit: pageSize });
  return { filter, items, total, page, pageSize };
}
