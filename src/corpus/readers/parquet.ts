import { AntidoteError } from '../../errors/index.js';
import type { Reader, RawItem } from '../types.js';

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Parquet through DuckDB, streamed chunk by chunk. */
export const parquetReader: Reader = {
  format: 'parquet',
  description: 'Apache Parquet (read with DuckDB)',
  extensions: ['.parquet', '.pq'],
  async *read(source): AsyncGenerator<RawItem> {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    let row = 0;
    try {
      let result;
      try {
        result = await connection.stream(`SELECT * FROM read_parquet(${sqlString(source.path)})`);
      } catch (cause) {
        throw new AntidoteError('INPUT_FORMAT', `not a readable Parquet file (${firstLine((cause as Error).message)})`, { file: source.name }, { cause });
      }
      try {
        for await (const rows of result.yieldRowObjectJson()) {
          for (const fields of rows) {
            row++;
            const raw = JSON.stringify(fields);
            yield { place: { file: source.name, line: row }, bytes: Buffer.byteLength(raw), fields: fields as Record<string, unknown>, defaultId: `${source.name}:${row}` };
          }
        }
      } catch (cause) {
        if (cause instanceof AntidoteError) throw cause;
        throw new AntidoteError('INPUT_FORMAT', `corrupt Parquet data after row ${row} (${firstLine((cause as Error).message)})`, { file: source.name, line: row + 1 }, { cause });
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  },
};

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}
