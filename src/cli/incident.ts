/**
 * `antidote incident list|show|decide|playbook|attach|allowlist`: the review
 * lifecycle from a terminal, over the same review database the server uses.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { AntidoteError } from '../errors/index.js';
import { decide, defaultReviewPath, parseAction, playbookFor, proposeAllowlistEntry, ReviewStore, type IncidentFilter } from '../review/index.js';
import { commandGroup, EXIT, numberFlag, readText, type FlagSpec, type Subcommand } from './command.js';
import { withLedger } from './ledger.js';

/** The flags every command over the review database takes. */
export const REVIEW_FLAGS: Record<string, FlagSpec> = {
  store: { type: 'string', value: 'PATH|URL', help: 'ledger store: a SQLite file or postgres://... (default .antidote-ledger/ledger.sqlite)' },
  'review-db': { type: 'string', value: 'FILE', help: 'review database: the incident index, attached evidence, users and sessions (default review.sqlite beside the ledger)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};
const JSON_FLAG: FlagSpec = { type: 'boolean', help: 'print JSON' };

export async function withReview<T>(values: Record<string, unknown>, options: { signing: boolean }, work: (review: ReviewStore) => Promise<T>): Promise<T> {
  return withLedger(values, options, async (ledger) => {
    const review = await ReviewStore.open((values['review-db'] as string | undefined) ?? defaultReviewPath(values.store as string | undefined), ledger);
    try {
      return await work(review);
    } finally {
      review.close();
    }
  });
}

const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

const SUBCOMMANDS: Record<string, Subcommand> = {
  list: {
    usage: 'antidote incident list [--state S] [--detector D] [--severity S] [--dataset NAME@N] [--limit N] [--json]',
    summary: 'incidents from recorded scans and the guard, most severe first',
    flags: { state: { type: 'string', value: 'S', help: 'open, confirmed, false-positive or accepted-risk' }, detector: { type: 'string', value: 'D', help: 'detector id' }, severity: { type: 'string', value: 'S', help: 'severity' }, dataset: { type: 'string', value: 'NAME@N', help: 'dataset version scanned' }, limit: { type: 'string', value: 'N', help: 'at most N (default 50)' }, json: JSON_FLAG, ...REVIEW_FLAGS },
    async run(values) {
      return withReview(values, { signing: false }, async (review) => {
        const filter: IncidentFilter = { state: values.state, detector: values.detector, severity: values.severity, dataset: values.dataset };
        const page = review.list(filter, { offset: 0, limit: numberFlag(values.limit, 'limit', 1) ?? 50 });
        if (values.json) print(page);
        else {
          for (const i of page.items) process.stdout.write(`${i.key.padEnd(16)} ${i.state.padEnd(14)} ${i.severity.padEnd(8)} ${i.detector.padEnd(22)} ${String(i.documents).padStart(5)} docs  ${i.trigger === null ? '-' : JSON.stringify(i.trigger)}\n`);
          process.stdout.write(`${page.items.length} of ${page.total} incident(s)\n`);
        }
        return EXIT.OK;
      });
    },
  },
  show: {
    usage: 'antidote incident show KEY [--json]',
    summary: "an incident's evidence, documents, affected datasets and models, and history",
    flags: { json: JSON_FLAG, ...REVIEW_FLAGS },
    async run(values, positionals) {
      if (positionals.length !== 1) throw new AntidoteError('USAGE', 'give one incident key');
      return withReview(values, { signing: false }, async (review) => {
        const detail = review.detail(positionals[0]);
        if (!detail) throw new AntidoteError('INCIDENT_NOT_FOUND', `no incident ${positionals[0]} in the ledger`);
        if (values.json) print(detail);
        else {
          process.stdout.write(`${detail.key}  ${detail.title}\nstate ${detail.state}, severity ${detail.severity}, ${detail.documents} document(s), trigger ${detail.trigger === null ? 'none' : JSON.stringify(detail.trigger)}\n`);
          process.stdout.write(`datasets holding its documents: ${detail.datasetsHolding.join(', ') || 'none recorded'}\n`);
          if (detail.affected.models.length) process.stdout.write(`affected models: ${detail.affected.models.join(', ')}\n`);
          for (const h of detail.history) process.stdout.write(`  ${h.created} ${h.by} ${h.action}${h.reason ? `: ${h.reason}` : ''} (entry ${h.entry})\n`);
        }
        return EXIT.OK;
      });
    },
  },
  decide: {
    usage: 'antidote incident decide KEY... --action confirm|false-positive|accept-risk|reopen|comment [--reason TEXT] [--by NAME] [--key FILE]',
    summary: 'record a decision on incidents (one ledger transaction)',
    flags: { action: { type: 'string', value: 'ACTION', help: 'confirm, false-positive, accept-risk, reopen or comment' }, reason: { type: 'string', value: 'TEXT', help: 'why (needed for false-positive, accept-risk and comment)' }, by: { type: 'string', value: 'NAME', help: 'who decides (default: the login name)' }, key: { type: 'string', value: 'FILE', help: "the ledger's signing key (default ledger.key beside the store)" }, ...REVIEW_FLAGS },
    async run(values, positionals) {
      if (positionals.length === 0) throw new AntidoteError('USAGE', 'give the incident key(s) to decide on');
      const action = parseAction(values.action);
      return withReview(values, { signing: true }, async (review) => {
        const result = await decide(review, { keys: positionals, action, reason: values.reason, by: values.by ?? userInfo().username });
        for (const [i, key] of positionals.entries()) process.stdout.write(`${key}: ${action} recorded as ledger entry ${result.entries[i]}; now ${result.states[key]}\n`);
        return EXIT.OK;
      });
    },
  },
  playbook: {
    usage: 'antidote incident playbook KEY [--json]',
    summary: 'the response steps for an incident: isolate, roll back, retrain, check',
    flags: { json: JSON_FLAG, ...REVIEW_FLAGS },
    async run(values, positionals) {
      if (positionals.length !== 1) throw new AntidoteError('USAGE', 'give one incident key');
      return withReview(values, { signing: false }, async (review) => {
        const playbook = playbookFor(review, positionals[0]);
        if (!playbook) throw new AntidoteError('INCIDENT_NOT_FOUND', `no incident ${positionals[0]} in the ledger`);
        if (values.json) print(playbook);
        else process.stdout.write(`${playbook.steps.join('\n')}\n${playbook.isolate.documents.map((d) => `  drop ${d.id} (${d.dataset}${d.sha256 ? `, sha256 ${d.sha256}` : ''})`).join('\n')}\n`);
        return EXIT.OK;
      });
    },
  },
  attach: {
    usage: 'antidote incident attach REPORT.json...',
    summary: "attach scans' JSON reports (as written with --json) for their evidence and charts",
    flags: REVIEW_FLAGS,
    async run(values, positionals) {
      if (positionals.length === 0) throw new AntidoteError('USAGE', 'give the JSON report(s) of recorded scans');
      return withReview(values, { signing: false }, async (review) => {
        for (const path of positionals) {
          const { entry, incidents } = review.attachReport(readText(path, 'the scan report'), path);
          process.stdout.write(`${path}: evidence for ${incidents} incident(s) of the scan at entry ${entry}\n`);
        }
        return EXIT.OK;
      });
    },
  },
  allowlist: {
    usage: 'antidote incident allowlist KEY [--config antidote.yaml]',
    summary: "the change to antidote.yaml that allows an incident's trigger, as a diff to apply",
    flags: { config: { type: 'string', value: 'FILE', help: 'the config to change (default antidote.yaml)' }, ...REVIEW_FLAGS },
    async run(values, positionals) {
      if (positionals.length !== 1) throw new AntidoteError('USAGE', 'give one incident key');
      const path = values.config ?? 'antidote.yaml';
      return withReview(values, { signing: false }, async (review) => {
        const row = review.row(positionals[0]);
        if (!row) throw new AntidoteError('INCIDENT_NOT_FOUND', `no incident ${positionals[0]} in the ledger`);
        if (row.trigger === null) throw new AntidoteError('USAGE', `${row.key} has no trigger to allow`);
        const proposal = proposeAllowlistEntry(existsSync(path) ? readFileSync(path, 'utf8') : '', row.trigger, path);
        process.stdout.write(proposal.present ? `${path} already allows ${JSON.stringify(row.trigger)}\n` : proposal.patch);
        return EXIT.OK;
      });
    },
  },
};

export const incidentCommand = commandGroup('incident', 'review incidents: list, show, decide, playbook, attach, allowlist', SUBCOMMANDS);
