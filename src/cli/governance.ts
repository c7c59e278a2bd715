/**
 * `antidote governance bom|croissant|report`: transparency exports from the
 * ledger and the review decisions, each checked before it is written.
 */
import { writeFileSync } from 'node:fs';
import { AntidoteError } from '../errors/index.js';
import { auditSummaryOf, checkedCroissant, checkedCyclonedxBom, datasetFacts, governanceReportHtml, modelFacts, printPdf } from '../governance/index.js';
import { commandGroup, EXIT, readText, type FlagSpec, type Subcommand } from './command.js';
import { REVIEW_FLAGS, withReview } from './incident.js';

const OUT: FlagSpec = { type: 'string', value: 'FILE', help: 'where to write it' };

const SUBCOMMANDS: Record<string, Subcommand> = {
  bom: {
    usage: 'antidote governance bom --model NAME --out bom.cdx.json',
    summary: "a CycloneDX 1.6 ML-BOM: the model, the dataset versions it was trained on, their hashes and provenance, and their incidents",
    flags: { model: { type: 'string', value: 'NAME', help: 'model name as recorded with ledger add-model' }, out: OUT, ...REVIEW_FLAGS },
    async run(values) {
      if (!values.model || !values.out) throw new AntidoteError('USAGE', 'give --model and --out');
      return withReview(values, { signing: false }, async (review) => {
        const bom = await checkedCyclonedxBom(await modelFacts(review, values.model));
        writeFileSync(values.out, `${JSON.stringify(bom, null, 2)}\n`);
        process.stdout.write(`wrote ${values.out}: CycloneDX 1.6, model ${values.model}, ${bom.components.length} dataset component(s), ${bom.vulnerabilities?.length ?? 0} incident(s); valid against the 1.6 schema\n`);
        return EXIT.OK;
      });
    },
  },
  croissant: {
    usage: 'antidote governance croissant NAME@N --out metadata.json [--url URL] [--creator NAME]',
    summary: 'Croissant 1.0 metadata with the RAI vocabulary for a dataset version',
    flags: { out: OUT, url: { type: 'string', value: 'URL', help: "the dataset's web page (default a urn naming the ledger and version)" }, creator: { type: 'string', value: 'NAME', help: 'the organisation that made it (default the ledger origin)' }, ...REVIEW_FLAGS },
    async run(values, positionals) {
      if (positionals.length !== 1 || !values.out) throw new AntidoteError('USAGE', 'give one dataset version (NAME@N) and --out');
      return withReview(values, { signing: false }, async (review) => {
        const doc = await checkedCroissant(await datasetFacts(review, positionals[0]), { origin: review.ledger.origin, url: values.url, creator: values.creator });
        writeFileSync(values.out, `${JSON.stringify(doc, null, 2)}\n`);
        process.stdout.write(`wrote ${values.out}: Croissant 1.0 + RAI for ${positionals[0]} (${doc.distribution.length} file(s)); JSON-LD and required properties checked\n`);
        return EXIT.OK;
      });
    },
  },
  report: {
    usage: 'antidote governance report (--model NAME | --dataset NAME@N) --html FILE [--pdf FILE] [--audit FILE]...',
    summary: 'a readable report: composition, lineage, scans, incidents, decisions, audits, and the controls they answer',
    flags: {
      model: { type: 'string', value: 'NAME', help: 'report on a model and the data it was trained on' },
      dataset: { type: 'string', value: 'NAME@N', help: 'report on one dataset version' },
      html: OUT,
      pdf: { type: 'string', value: 'FILE', help: "also print it to PDF (with Debian's chromium)" },
      audit: { type: 'string', multiple: true, value: 'FILE', help: "an 'antidote audit --json' report of the model; repeatable" },
      ...REVIEW_FLAGS,
    },
    async run(values) {
      if (Boolean(values.model) === Boolean(values.dataset) || !values.html) throw new AntidoteError('USAGE', 'give --model or --dataset (one of them) and --html');
      const audits = ((values.audit as string[] | undefined) ?? []).map((file) => auditSummaryOf(readText(file, 'the audit report'), file));
      return withReview(values, { signing: false }, async (review) => {
        const model = values.model ? await modelFacts(review, values.model) : undefined;
        const datasets = model ? model.datasets : [await datasetFacts(review, values.dataset)];
        writeFileSync(values.html, governanceReportHtml({ origin: review.ledger.origin, generated: new Date().toISOString(), datasets, ...(model ? { model } : {}), audits, guardIncidents: review.guardIncidentCount() }));
        process.stdout.write(`wrote ${values.html}\n`);
        if (values.pdf) {
          await printPdf(values.html, values.pdf);
          process.stdout.write(`wrote ${values.pdf}\n`);
        }
        return EXIT.OK;
      });
    },
  },
};

export const governanceCommand = commandGroup('governance', 'transparency exports: CycloneDX ML-BOM, Croissant metadata, governance report', SUBCOMMANDS);
