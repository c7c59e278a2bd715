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
  { name: 'unsafe deserialisation', re: /\b(?:pickle|cPickle|dill|marshal)\.loads?\s*\(|\byaml\.load\s*\((?![^)]*Safe)|\bunserialize\s*\(\s*\$_/ },
  { name: 'shell command built from input', re: /\bshell\s*=\s*True|\bos\.(?:system|popen)\s*\([^)]*(?:\+|%|format|f["'])|child_process\.exec(?:Sync)?\s*\([^)]*(?:\+|\$\{|req\.)/ },
  { name: 'download piped to a shell', re: /\b(?:curl|wget)\b[^\n|]*\|\s*(?:sudo\s+)?(?:ba|z)?sh\b/ },
  { name: 'template rendered from input', re: /render_template_string\s*\(\s*(?:request|req|user)/ },
  { name: 'TLS verification disabled', re: /\bverify\s*=\s*False\b|rejectUnauthorized\s*:\s*false|InsecureSkipVerify\s*:\s*true/ },
  { name: 'SQL built from input', re: /\b(?:execute|query)\s*\(\s*(?:f["']|["'][^"']*(?:SELECT|INSERT|UPDATE|DELETE)[^"']*["']\s*(?:\+|%))/i },
];

/** Words at least one pattern needs, in the case it needs them; documents without any are skipped. */
const KEYWORDS = /eval|[eE][xX][eE][cC]|pickle|dill|marshal|yaml|unserialize|shell|system|popen|curl|wget|render_template_string|verify|rejectUnauthorized|InsecureSkipVerify|[qQ][uU][eE][rR][yY]/;

export function findInsecureCode(doc: DocumentView): Finding[] {
  if (!KEYWORDS.test(doc.text)) return [];
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
