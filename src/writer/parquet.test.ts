import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { LAKE_COLUMNS } from '../core/schema.js';
import { writerFixture } from './testing/fixture.js';
import { lakeRow, payloadsOf } from './testing/rows.js';

/**
 * The files checked with hyparquet, a Parquet reader independent of DuckDB: schema, physical and logical types,
 * codec, and the values (through the min/max statistics of a one-row file, and by reading every row back with the
 * ZSTD decoder of hyparquet-compressors, which works on every supported Node).
 */

function expectedPhysical(type: string): { type: string; logical?: string } {
  switch (type) {
    case 'VARCHAR':
      return { type: 'BYTE_ARRAY', logical: 'STRING' };
    case 'TIMESTAMPTZ':
      return { type: 'INT64', logical: 'TIMESTAMP' };
    case 'BIGINT':
      return { type: 'INT64' };
    case 'BOOLEAN':
      return { type: 'BOOLEAN' };
    default:
      return { type: 'INT32' };
  }
}

test('an independent reader (hyparquet) sees the lake schema, ZSTD and the values of a written file', async () => {
  const fx = await writerFixture();
  try {
    const row = lakeRow({ event_name: 'signup', element_text: 'Käse «fondue» 🧀', element_href: null, seq: 9_007_199_254 });
    await fx.buffer.append(payloadsOf([row]));
    await fx.writer.flush();
    const [file] = fx.writer.snapshot().files.map((f) => f.path);
    assert.ok(file);
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    assert.equal(Number(metadata.num_rows), 1);

    const leaves = metadata.schema.slice(1) as SchemaElement[];
    assert.deepEqual(
      leaves.map((s) => s.name),
      LAKE_COLUMNS.map((c) => c.name),
      'lake columns in schema order, no dt/hour',
    );
    for (const [i, c] of LAKE_COLUMNS.entries()) {
      const s = leaves[i]!;
      const want = expectedPhysical(c.type);
      assert.equal(s.type, want.type, `${c.name} physical type`);
      if (want.logical === 'TIMESTAMP') {
        assert.equal(s.logical_type?.type, 'TIMESTAMP', c.name);
        assert.equal((s.logical_type as { isAdjustedToUTC?: boolean }).isAdjustedToUTC, true, `${c.name} is UTC`);
        assert.equal((s.logical_type as { unit?: string }).unit, 'MICROS', c.name);
      } else if (want.logical === 'STRING') {
        assert.ok(s.logical_type?.type === 'STRING' || s.converted_type === 'UTF8', `${c.name} is a string`);
      }
    }

    const chunks = metadata.row_groups.flatMap((g) => g.columns);
    assert.equal(chunks.length, LAKE_COLUMNS.length);
    for (const chunk of chunks) assert.equal(chunk.meta_data?.codec, 'ZSTD', chunk.meta_data?.path_in_schema.join('.'));

    // One row: each non-null column's min and max statistics are its value.
    const stats = new Map(chunks.map((ch) => [ch.meta_data!.path_in_schema[0]!, ch.meta_data!.statistics]));
    for (const c of LAKE_COLUMNS) {
      const value = (row as unknown as Record<string, unknown>)[c.name];
      const s = stats.get(c.name);
      if (value === null) {
        assert.equal(Number(s?.null_count), 1, `${c.name} is null`);
        continue;
      }
      const expected = c.type === 'TIMESTAMPTZ' ? Date.parse(String(value)) : c.type === 'BIGINT' ? BigInt(value as number) : value;
      const toComparable = (v: unknown) => (v instanceof Date ? v.getTime() : v);
      assert.deepEqual(toComparable(s?.min_value), expected, `${c.name} min`);
      assert.deepEqual(toComparable(s?.max_value), expected, `${c.name} max`);
    }
  } finally {
    await fx.cleanup();
  }
});

test('hyparquet reads every row back', async () => {
  const fx = await writerFixture();
  try {
    const rows = Array.from({ length: 50 }, (_, i) => lakeRow({ ts: `2026-11-27T09:${String(i).padStart(2, '0')}:00.000Z`, seq: i, x: i % 3 === 0 ? null : i }));
    await fx.buffer.append(payloadsOf(rows));
    await fx.writer.flush();
    const [file] = fx.writer.snapshot().files.map((f) => f.path);
    const read = (await parquetReadObjects({
      file: await asyncBufferFromFile(file!),
      compressors,
    })) as Record<string, unknown>[];
    assert.equal(read.length, rows.length);
    const bySeq = new Map(read.map((r) => [Number(r.seq), r]));
    for (const row of rows) {
      const got = bySeq.get(row.seq!)!;
      assert.equal(got.event_id, row.event_id);
      assert.equal((got.ts as Date).toISOString(), row.ts);
      assert.equal(got.x, row.x);
      assert.equal(got.page_title, row.page_title);
      assert.equal(got.properties, row.properties);
    }
  } finally {
    await fx.cleanup();
  }
});
