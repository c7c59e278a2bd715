/**
 * The ledger's provenance policy as a scan check: a document whose exact
 * bytes no ledger entry holds has no verifiable origin; one that is there may
 * still fall below the minimum trust or lack metadata the policy requires.
 */
import { AntidoteError } from '../errors/index.js';
import { readCorpus, type InputSource, type ReadOptions } from '../corpus/index.js';
import type { CheckedDocument, CheckFinding, DocumentCheck, Severity } from '../scan/types.js';
import { exactBytes } from './documents.js';
import { sha256Hex, TRUST_LEVELS, type DocumentRecord, type TrustLevel } from './records.js';
import type { Ledger } from './log.js';

export interface ProvenancePolicy {
  /** documents below this trust level fail */
  minTrust?: TrustLevel;
  /** fields a document's record must have: source, contributor, license, or meta.KEY */
  requireMetadata?: string[];
  /** documents not in the ledger fail (default true) */
  quarantineUnknown?: boolean;
  /** only this dataset version's documents count as known (default: the whole ledger) */
  dataset?: string;
  /** severity of a failing document's finding (default high: quarantined by default) */
  severity?: Severity;
}

export const METADATA_FIELDS = ['source', 'contributor', 'license'] as const;

export function checkMetadataName(name: string): string | undefined {
  return (METADATA_FIELDS as readonly string[]).includes(name) || /^meta\.[^.]+$/.test(name) ? undefined : `'${name}' is not source, contributor, license or meta.KEY`;
}

function missingMetadata(record: DocumentRecord, required: readonly string[]): string[] {
  return required.filter((name) => {
    const value = name.startsWith('meta.') ? record.meta?.[name.slice(5)] : record[name as (typeof METADATA_FIELDS)[number]];
    return value === undefined || value === '';
  });
}

/** Findings for one document's latest ledger record, empty when it passes. */
function judge(record: DocumentRecord, policy: ProvenancePolicy, severity: Severity): CheckFinding[] {
  const out: CheckFinding[] = [];
  const trustRank = record.trust ? TRUST_LEVELS.indexOf(record.trust) : -1;
  if (policy.minTrust && trustRank < TRUST_LEVELS.indexOf(policy.minTrust)) {
    out.push({ detector: 'provenance', kind: 'low-trust', severity, score: 1, message: `trust ${record.trust ?? 'not stated'} is below the policy minimum ${policy.minTrust} (ledger entry ${record.entry}, ${record.dataset})` });
  }
  const missing = missingMetadata(record, policy.requireMetadata ?? []);
  if (missing.length > 0) out.push({ detector: 'provenance', kind: 'missing-metadata', severity, score: 1, message: `ledger entry ${record.entry} (${record.dataset}) lacks ${missing.join(', ')}, which the policy requires` });
  return out;
}

export function provenanceCheck(ledger: Ledger, policy: ProvenancePolicy): DocumentCheck {
  const severity = policy.severity ?? 'high';
  return {
    id: 'provenance',
    description: 'documents must be in the ledger with the trust and metadata the policy asks for',
    async run(sources: readonly InputSource[], read: ReadOptions): Promise<Map<number, CheckedDocument>> {
      // 1. The exact-bytes hash of every readable document, as `ledger add` computed it.
      const byHash = new Map<string, number[]>();
      const documents: CheckedDocument[] = [];
      for await (const r of readCorpus(sources, read, () => undefined)) {
        if (r.error) continue;
        const sha = sha256Hex(exactBytes(r));
        const list = byHash.get(sha);
        if (list) list.push(r.index);
        else byHash.set(sha, [r.index]);
        documents[r.index] = { id: r.id, place: r.place, findings: [] };
      }
      // 2. One pass over the ledger's document entries (or one dataset's): the latest record for each hash.
      let from = 0;
      let to = await ledger.store.size();
      if (policy.dataset) {
        const manifest = (await ledger.datasets()).find((d) => d.dataset === policy.dataset);
        if (!manifest) throw new AntidoteError('USAGE', `dataset ${policy.dataset} is not in the ledger`);
        (from = manifest.firstEntry), (to = manifest.lastEntry + 1);
      }
      const latest = new Map<string, DocumentRecord>();
      for await (const e of ledger.store.entries(from, to)) {
        if (e.kind === 'document' && e.sha256 && byHash.has(e.sha256)) latest.set(e.sha256, JSON.parse(e.record) as DocumentRecord);
      }
      // 3. Findings.
      const out = new Map<number, CheckedDocument>();
      for (const [sha, indices] of byHash) {
        const record = latest.get(sha);
        const findings = record
          ? judge(record, policy, severity)
          : policy.quarantineUnknown === false
            ? []
            : [{ detector: 'provenance', kind: 'no-provenance', severity, score: 1, message: `no ledger entry${policy.dataset ? ` of ${policy.dataset}` : ''} holds these exact bytes (sha256 ${sha.slice(0, 16)}…): origin unknown` }];
        if (findings.length === 0) continue;
        for (const index of indices) out.set(index, { ...documents[index]!, findings });
      }
      return out;
    },
  };
}
