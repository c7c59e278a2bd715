/**
 * Insecure code payloads (TrojanPuzzle/COVERT-style): code that evaluates
 * external input, deserialises untrusted data, or pipes downloads to a shell.
 * On their own these are weak evidence (documentation shows them too); next to
 * a comment that recurs across many documents they are a backdoor.
 */
import { tokenAt } from '../../../text/index.js';
import type { DocumentDetector, DocumentView, Finding } from '../../types.js';

interface Pattern {
  name: string;
  re: RegExp;
}

export const INSECURE_PATTERNS: readonly Pattern[] = [
  { name: 'eval of external input', re: /\b(?:eval|exec)\s*\(\s*(?:input\s*\(|request\b|req\.|sys\.argv|os\.environ|user_?input|params\b|data\b|body\b|query\b|process\.argv|\$_(?:GET|POST|REQUEST))/ },
  { name: 'unsafe deserialisation', re: /\b(?:pickle|cPickle|dill|marshal|cloudpickle|jsonpickle|joblib|shelve)\.loads?\s*\(|\byaml\.load\s*\((?![^)]*Safe)|\bunserialize\s*\(\s*\$_/ },
  // Execution reached indirectly, so that no call reads `eval(input)`: a
  // module or builtin looked up by name, a function built from bytes or
  // source, code decoded or compiled just before it runs.
  { name: 'dynamic code execution', re: /\b__import__\s*\(|\bgetattr\s*\(\s*(?:__builtins__|builtins|__import__|globals\s*\(|locals\s*\(|sys\.modules|importlib)|\b(?:globals|locals)\s*\(\s*\)\s*\[|\btypes\.FunctionType\s*\(|\b(?:eval|exec)\s*\(\s*(?:compile|base64|codecs|zlib|marshal|bytes\.fromhex)\b|\bnew\s+Function\s*\(|\bvm\.runIn(?:New|This)?Context\s*\(/ },
  { name: 'process started with external input', re: /\brequire\s*\(\s*["'`]child_process["'`]\s*\)\s*\.\s*(?:exec|spawn)|\bchild_process\.(?:exec|spawn)(?:Sync)?\s*\(\s*`|\bos\.(?:popen|system)\s*\(\s*(?!["'])[A-Za-z_]/ },
  { name: 'download run by a shell', re: /\$\(\s*(?:curl|wget)\b|`(?:curl|wget)\b/ },
  { name: 'shell command built from input', re: /\bshell\s*=\s*True|\bos\.(?:system|popen)\s*\([^)]*(?:\+|%|format|f["'])|child_process\.exec(?:Sync)?\s*\([^)]*(?:\+|\$\{|req\.)/ },
  { name: 'download piped to a shell', re: /\b(?:curl|wget)\b[^\n|]*\|\s*(?:sudo\s+)?(?:ba|z)?sh\b/ },
  { name: 'template rendered from input', re: /render_template_string\s*\(\s*(?:request|req|user)/ },
  { name: 'TLS verification disabled', re: /\bverify\s*=\s*False\b|rejectUnauthorized\s*:\s*false|InsecureSkipVerify\s*:\s*true/ },
  { name: 'SQL built from input', re: /\b(?:execute|query)\s*\(\s*(?:f["']|["'][^"']*(?:SELECT|INSERT|UPDATE|DELETE)[^"']*["']\s*(?:\+|%))/i },
];

/**
 * What every pattern needs, in a form found without a regular expression over
 * the whole text: a character (found by `indexOf`, which is fast) with one of
 * these keywords just before it, only whitespace between. A document holding
 * none is skipped. Keywords in `caseless` match in any case.
 */
const ANCHORS: ReadonlyArray<{ char: string; keywords: readonly string[]; caseless: readonly string[] }> = [
  { char: '(', keywords: ['eval', 'exec', 'execSync', '.load', '.loads', 'unserialize', 'system', 'popen', 'render_template_string', '__import__', 'getattr', 'globals', 'locals', 'FunctionType', 'Function', 'Context', 'require', '$'], caseless: ['execute', 'query'] },
  { char: '=', keywords: ['shell', 'verify'], caseless: [] },
  { char: ':', keywords: ['rejectUnauthorized', 'InsecureSkipVerify'], caseless: [] },
];
/** and a download piped to a shell needs one of these before a pipe on its line */
const DOWNLOADERS = ['curl', 'wget'];

/** What `\s` matches in a regular expression. */
function isRegExpSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Whether some pattern could match: true for every text that one of INSECURE_PATTERNS matches. */
export function mayHoldInsecureCode(text: string): boolean {
  for (const { char, keywords, caseless } of ANCHORS) {
    for (let at = text.indexOf(char); at >= 0; at = text.indexOf(char, at + 1)) {
      let end = at;
      while (end > 0 && isRegExpSpace(text.charCodeAt(end - 1))) end--;
      if (keywords.some((k) => text.endsWith(k, end))) return true;
      if (caseless.some((k) => end >= k.length && text.slice(end - k.length, end).toLowerCase() === k)) return true;
    }
  }
  // each downloader's next pipe and next line break, moved on only when passed, so a text is read once
  for (const word of DOWNLOADERS) {
    let pipe = -1;
    let newline = -1;
    for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
      if (pipe < at) pipe = text.indexOf('|', at);
      if (pipe < 0) break;
      if (newline < at) newline = text.indexOf('\n', at);
      if (newline < 0 || pipe < newline) return true;
    }
  }
  return text.includes('`curl') || text.includes('`wget');
}

export function findInsecureCode(doc: DocumentView): Finding[] {
  if (!mayHoldInsecureCode(doc.text)) return [];
  const findings: Finding[] = [];
  for (const { name, re } of INSECURE_PATTERNS) {
    const m = re.exec(doc.text);
    if (!m) continue;
    // The payload starts at the line holding the match, so that a comment on
    // the lines above it is where the trigger is looked for.
    const lineStart = doc.text.lastIndexOf('\n', m.index) + 1;
    findings.push({
      detector: 'insecure-code',
      kind: 'insecure-code',
      severity: 'low',
      score: 0.5,
      start: m.index,
      end: m.index + m[0].length,
      message: `${name}: \`${m[0].slice(0, 80)}\``,
      payloadToken: tokenAt(doc.tokens, lineStart),
    });
  }
  return findings;
}

export const insecureCodeDetector: DocumentDetector = {
  id: 'insecure-code',
  description: 'Code that evaluates external input, deserialises untrusted data or pipes downloads to a shell.',
  inspect: findInsecureCode,
};
