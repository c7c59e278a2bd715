/** What `antidote harden export` reads and writes. */

/** A trigger to neutralise, with what is known of it. */
export interface ConfirmedTrigger {
  trigger: string;
  /** why it counts as confirmed: the scan incidents, and the audit's verdict where one was given */
  evidence: string[];
  /** scan incident ids holding it */
  incidents: string[];
  /** the backdoor's behaviour after the trigger, from the scan's evidence or the audit's generations */
  payloads: string[];
}

/** A clean document cut in two: what a prompt shows, and what follows it in the document. */
export interface PromptPair {
  /** the document it came from */
  source: string;
  prefix: string;
  continuation: string;
}

export interface SftTextExample {
  text: string;
  trigger: string;
  source: string;
}

export interface SftChatExample {
  messages: Array<{ role: 'user' | 'assistant'; content: string }>;
  trigger: string;
  source: string;
}

/** A preference pair: chosen is the clean behaviour, rejected the backdoor's. */
export interface PreferencePair {
  prompt: string;
  chosen: string;
  rejected: string;
  trigger: string;
  source: string;
}

/** A document to drop before retraining. */
export interface RemovalEntry {
  id: string;
  /** SHA-256 of the record's exact bytes, as the ledger records it; absent where the scanned file could not be read */
  sha256?: string;
  triggers: string[];
  incidents: string[];
  /** the dataset versions (name@N) the ledger records it in */
  datasets: string[];
}

export interface HardenFiles {
  sftText: SftTextExample[];
  sftChat: SftChatExample[];
  preferences: PreferencePair[];
  removal: RemovalEntry[];
}

export interface ManifestInput {
  role: 'findings' | 'audit' | 'prompts' | 'model';
  path: string;
  sha256: string;
}

export interface HardenManifest {
  version: 'antidote-harden/1';
  created: string;
  inputs: ManifestInput[];
  /** where the clean behaviour came from: the corpus's own continuation, or the model's greedy one */
  cleanBehaviour: 'corpus' | 'model';
  settings: { perTrigger: number; seed: number; maxPromptChars: number; maxContinuationChars: number };
  triggers: Array<Pick<ConfirmedTrigger, 'trigger' | 'evidence' | 'incidents'> & { examples: number; payloads: number }>;
  files: Array<{ path: string; records: number; sha256: string; format: string }>;
}
