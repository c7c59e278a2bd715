/** Raw lines sent to a worker: their bytes back to back in one buffer that is moved, not copied. */
export interface PackedLines {
  bytes: Uint8Array;
  /** end offset of each line in `bytes` */
  ends: number[];
}

/** Packs lines into a fresh ArrayBuffer of exactly their bytes; pass `bytes.buffer` in the transfer list. */
export function packLines(lines: readonly Uint8Array[]): PackedLines {
  const ends: number[] = [];
  let end = 0;
  for (const l of lines) ends.push((end += l.length));
  const bytes = new Uint8Array(end);
  let at = 0;
  for (const l of lines) (bytes.set(l, at), (at += l.length));
  return { bytes, ends };
}

/** The lines of a packed buffer, as views into it. */
export function unpackLines({ bytes, ends }: PackedLines): Buffer[] {
  let start = 0;
  return ends.map((end) => {
    const line = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
    start = end;
    return line;
  });
}
