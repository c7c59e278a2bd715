/** Files as the ledger records them: name, SHA-256 and size. */
import { createReadStream, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { DatasetFile } from './records.js';

export async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function describeFiles(files: readonly { path: string; name: string }[]): Promise<DatasetFile[]> {
  const out: DatasetFile[] = [];
  for (const f of files) out.push({ path: f.name, sha256: await fileDigest(f.path), bytes: statSync(f.path).size });
  return out;
}
