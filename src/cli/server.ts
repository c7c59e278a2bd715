/**
 * `antidote server`: the review web interface and API; `antidote server user`
 * and `antidote server token` give people their roles and API tokens.
 */
import { once } from 'node:events';
import { AntidoteError } from '../errors/index.js';
import { listenOn } from '../http/index.js';
import { parseRole, Users } from '../review/index.js';
import { createReviewServer } from '../server/index.js';
import { EXIT, helpText, numberFlag, parseFlags, readText, type Command, type FlagSpec } from './command.js';
import { REVIEW_FLAGS, withReview } from './incident.js';


const SERVE_FLAGS: Record<string, FlagSpec> = {
  port: { type: 'string', value: 'P', help: 'port (default 8740; 0 picks a free one)' },
  host: { type: 'string', value: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
  key: { type: 'string', value: 'FILE', help: "the ledger's signing key, which decisions are appended with (default ledger.key beside the store)" },
  reports: { type: 'string', multiple: true, value: 'FILE', help: "a recorded scan's JSON report, for its evidence and chart; repeatable" },
  config: { type: 'string', value: 'FILE', help: 'the antidote.yaml allowlist proposals change (default ./antidote.yaml)' },
  ...REVIEW_FLAGS,
};

const USER_FLAGS: Record<string, FlagSpec> = { role: { type: 'string', value: 'ROLE', help: 'viewer, reviewer or admin' }, ...REVIEW_FLAGS };

async function serve(values: Record<string, any>): Promise<number> {
  const port = numberFlag(values.port, 'port', 0) ?? 8740;
  return withReview(values, { signing: true }, async (review) => {
    for (const path of values.reports ?? []) review.attachReport(readText(path, 'the scan report'), path);
    const users = new Users(review.db);
    if (users.list().length === 0) process.stderr.write("warning: no users yet; add one with 'antidote server user NAME --role reviewer' (it prints their token)\n");
    const server = createReviewServer({ review, users, configPath: values.config });
    const base = (await listenOn(server, { host: values.host, port })).replace(/\/v1$/, '');
    const { total } = review.list({}, { offset: 0, limit: 1 });
    process.stdout.write(`antidote review server on ${base}/ (${total} incidents; Ctrl-C stops it)\n`);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return EXIT.OK;
  });
}

export const serverCommand: Command = {
  name: 'server',
  summary: 'review incidents in a browser and over a JSON API; add users and tokens',
  async run(argv) {
    const [first, ...rest] = argv;
    if (first === 'user' || first === 'token') {
      const { values, positionals } = parseFlags(rest, first === 'user' ? USER_FLAGS : REVIEW_FLAGS);
      if (values.help || positionals.length !== 1) {
        process.stdout.write(helpText(first === 'user' ? 'antidote server user NAME --role viewer|reviewer|admin' : 'antidote server token NAME', first === 'user' ? 'Add a user and print their API token (shown once).' : 'Print another API token for a user (shown once).', first === 'user' ? USER_FLAGS : REVIEW_FLAGS));
        if (values.help) return EXIT.OK;
        throw new AntidoteError('USAGE', 'give one user name');
      }
      return withReview(values, { signing: false }, async (review) => {
        const users = new Users(review.db);
        const token = first === 'user' ? users.add(positionals[0], parseRole(values.role)) : users.issue(positionals[0], 'cli');
        process.stdout.write(`${token}\n`);
        return EXIT.OK;
      });
    }
    const { values } = parseFlags(argv, SERVE_FLAGS);
    if (values.help) {
      process.stdout.write(helpText('antidote server [--store PATH|URL] [--port P] [--reports FILE]...', 'Serve the review interface and JSON API over the ledger: incidents from recorded scans and the guard, decisions appended to the ledger.', SERVE_FLAGS));
      return EXIT.OK;
    }
    return serve(values);
  },
};
