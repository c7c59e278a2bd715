/**
 * Turning a false positive into an allowlist entry: the change to
 * `antidote.yaml` that silences its trigger in later scans, as a unified
 * diff the user reviews and applies. The file is never written here.
 */
import { createTwoFilesPatch } from 'diff';
import { isSeq, parseDocument } from 'yaml';
import { AntidoteError } from '../errors/index.js';

export interface AllowlistProposal {
  trigger: string;
  /** already in scan.allowlist: nothing to change */
  present: boolean;
  after: string;
  /** unified diff from the current file to `after` */
  patch: string;
}

/** `current`: the config file's text ('' when there is none yet). */
export function proposeAllowlistEntry(current: string, trigger: string, path = 'antidote.yaml'): AllowlistProposal {
  const doc = parseDocument(current);
  if (doc.errors.length) throw new AntidoteError('CONFIG_INVALID', `cannot propose a change: ${doc.errors[0].message}`, { file: path });
  const list = doc.getIn(['scan', 'allowlist']);
  if (list !== undefined && !isSeq(list)) throw new AntidoteError('CONFIG_INVALID', 'scan.allowlist is not a list', { file: path });
  const present = isSeq(list) && list.items.some((item) => String((item as { value?: unknown }).value ?? item) === trigger);
  if (!present) {
    if (isSeq(list)) list.add(doc.createNode(trigger));
    else doc.setIn(['scan', 'allowlist'], doc.createNode([trigger]));
  }
  const after = present ? current : doc.toString();
  return { trigger, present, after, patch: present ? '' : createTwoFilesPatch(`a/${path}`, `b/${path}`, current, after, undefined, undefined, { context: 3 }) };
}
