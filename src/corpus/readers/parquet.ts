import { AntidoteError } from '../../errors/index.js';
import type { Reader, RawItem } from '../types.js';

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A query's connection, opened for it and closed after: DuckDB holds nothing between reads. */
async function withConnection<T>(use: (connection: import('@duckdb/node-api').DuckDBConnection) => Promise<T>, threads?: number): Promise<T> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {});
  const connection = await instance.connect();
  try {
    return await use(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function unreadable(name: string, cause: unknown): AntidoteError {
  return new AntidoteError('INPUT_FORMAT', `not a readable Parquet file (${firstLine((cause as Error).message)})`, { file: name }, { cause });
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
        throw unreadable(source.name, cause);
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

/** A Parquet file's row groups, in order: rows, and bytes as stored. */
export async function parquetRowGroups(path: string, name = path): Promise<Array<{ rows: number; bytes: number }>> {
  return withConnection(async (connection) => {
    try {
      const reader = await connection.runAndReadAll(`SELECT row_group_id, any_value(row_group_num_rows) AS n_rows, sum(total_compressed_size) AS n_bytes FROM parquet_metadata(${sqlString(path)}) GROUP BY row_group_id ORDER BY row_group_id`);
      return reader.getRowObjectsJson().map((r) => ({ rows: Number(r.n_rows), bytes: Number(r.n_bytes) }));
    } catch (cause) {
      throw unreadable(name, cause);
    }
  });
}

/**
 * Rows [from, to) of a Parquet file (0-based), each as the JSON line the
 * reader above makes of it, one per line. DuckDB reads only the row groups
 * that hold them; one thread keeps the rows in file order and leaves the
 * machine's other cores to the other workers.
 */
export async function parquetRowsAsLines(path: string, from: number, to: number, name = path): Promise<Buffer> {
  return withConnection(async (connection) => {
    const lines: string[] = [];
    try {
      const result = await connection.stream(`SELECT * EXCLUDE (file_row_number) FROM read_parquet(${sqlString(path)}, file_row_number = true) WHERE file_row_number >= ${from} AND file_row_number < ${to}`);
      for await (const rows of result.yieldRowObjectJson()) for (const fields of rows) lines.push(JSON.stringify(fields));
    } catch (cause) {
      throw new AntidoteError('INPUT_FORMAT', `corrupt Parquet data in rows ${from + 1}-${to} (${firstLine((cause as Error).message)})`, { file: name, line: from + 1 }, { cause });
    }
    lines.push('');
    return Buffer.from(lines.join('\n'));
  }, 1);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}
