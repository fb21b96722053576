import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createQueryEngine, type QueryEngine } from './engine.js';
import { firstKeyword } from './readonly.js';
import { FakeSnapshots, FakeTail, TestLake, lakeRow, silentLogger } from './testkit.js';

let lake: TestLake;
let engine: QueryEngine;

before(async () => {
  lake = await TestLake.create();
  // A real Parquet file just outside the lake: readable by DuckDB in general, but not by the engine.
  await lake.writeParquet(join(lake.root, 'x.parquet'), [lakeRow({ event_id: 'secret' })]);
  engine = await createQueryEngine({
    snapshots: new FakeSnapshots(),
    tail: new FakeTail(),
    lakeDir: lake.lakeDir,
    logger: silentLogger,
    timeoutMs: 5_000,
    maxRows: 100,
    memoryLimit: '256MB',
  });
});

after(async () => {
  await engine.close();
  await lake.cleanup();
});

describe('read-only gate', () => {
  const refused: [string, string][] = [
    ['empty', ''],
    ['only a comment', '  -- nothing\n /* here */ '],
    ['two statements', 'SELECT 1; SELECT 2'],
    ['select then drop', 'SELECT 1; DROP TABLE hot_events'],
    ['insert', "INSERT INTO hot_events (event_id) VALUES ('x')"],
    ['update', "UPDATE hot_events SET event_id = 'x'"],
    ['delete', 'DELETE FROM hot_events'],
    ['create table', 'CREATE TABLE t AS SELECT 1'],
    ['create view', 'CREATE VIEW v AS SELECT 1'],
    ['drop', 'DROP VIEW events'],
    ['copy', "COPY (SELECT 1) TO '/tmp/clicklake-should-not-exist.csv'"],
    ['attach', "ATTACH ':memory:' AS other"],
    ['attach a file', "ATTACH '/tmp/clicklake-x.db'"],
    ['delete from the view', 'DELETE FROM events'],
    ['pragma version', 'PRAGMA version'],
    ['detach', 'DETACH memory'],
    ['pragma', 'PRAGMA show_tables'],
    ['pragma after a comment', '/* a /* nested */ comment */ pragma database_list'],
    ['set', 'SET enable_external_access = true'],
    ['reset', 'RESET lock_configuration'],
    ['call', 'CALL pragma_version()'],
    ['export', "EXPORT DATABASE '/tmp/clicklake-export'"],
    ['install', 'INSTALL httpfs'],
    ['load', 'LOAD httpfs'],
    ['explain', 'EXPLAIN SELECT * FROM events'],
    ['begin', 'BEGIN TRANSACTION'],
    ['checkpoint', 'CHECKPOINT'],
    ['vacuum', 'VACUUM'],
    ['use', 'USE memory'],
  ];
  for (const [name, sql] of refused) {
    it(`refuses ${name}`, async () => {
      await assert.rejects(engine.query(sql), { code: 'CLK_ERR_QUERY_NOT_READ_ONLY' });
    });
  }

  const allowed: [string, string][] = [
    ['select', 'SELECT 1 AS n'],
    ['with', 'WITH a AS (SELECT 1 AS n) SELECT n FROM a'],
    ['from-first', 'FROM (SELECT 1 AS n)'],
    ['leading comment', '-- count\nSELECT 1 AS n'],
    ['trailing semicolon', 'SELECT 1 AS n;'],
    ['describe', 'DESCRIBE events'],
  ];
  for (const [name, sql] of allowed) {
    it(`allows ${name}`, async () => {
      const r = await engine.query(sql);
      assert.ok(r.rows.length >= 1);
    });
  }

  it('leaves the hot table and the view intact', async () => {
    const r = await engine.query('SELECT count(*) AS n FROM events');
    assert.deepEqual(r.rows, [{ n: 0 }]);
  });

  it('finds the first keyword past comments', () => {
    assert.equal(firstKeyword(' /* x /* y */ z */ -- c\n\tpragma x'), 'PRAGMA');
    assert.equal(firstKeyword('(SELECT 1)'), '(');
    assert.equal(firstKeyword('-- only'), '');
  });
});

describe('sandbox: nothing outside the lake is readable', () => {
  const attempts: [string, string][] = [
    ['read_text', "SELECT * FROM read_text('/etc/passwd')"],
    ['read_csv', "SELECT * FROM read_csv('/etc/passwd')"],
    ['read_csv_auto', "SELECT * FROM read_csv_auto('/etc/hostname')"],
    ['read_blob', "SELECT * FROM read_blob('/etc/hostname')"],
    ['glob', "SELECT * FROM glob('/*')"],
    ['sniff_csv', "SELECT * FROM sniff_csv('/etc/passwd')"],
    ['implicit file scan', "SELECT * FROM '/etc/passwd'"],
    ['http', "SELECT * FROM read_parquet('https://example.com/x.parquet')"],
  ];
  for (const [name, sql] of attempts) {
    it(`blocks ${name}`, async () => {
      await assert.rejects(engine.query(sql), (err: { code?: string; message: string }) => {
        assert.equal(err.code, 'CLK_ERR_QUERY_INVALID');
        assert.doesNotMatch(err.message, /root:/);
        return true;
      });
    });
  }

  it('blocks a ../ escape from the lake to a real Parquet file', async () => {
    const escape = `SELECT event_id FROM read_parquet('${join(lake.lakeDir, '..', 'x.parquet')}')`;
    await assert.rejects(engine.query(escape), (err: { code?: string; message: string }) => {
      assert.equal(err.code, 'CLK_ERR_QUERY_INVALID');
      assert.match(err.message, /Permission|not allowed|disabled/i);
      assert.doesNotMatch(err.message, /secret/);
      return true;
    });
    await assert.rejects(engine.query(`SELECT * FROM read_parquet('${join(lake.root, 'x.parquet')}')`), {
      code: 'CLK_ERR_QUERY_INVALID',
    });
  });

  it('keeps the configuration locked', async () => {
    const r = await engine.query(
      "SELECT current_setting('enable_external_access') AS ext, current_setting('lock_configuration') AS locked",
    );
    assert.deepEqual(r.rows, [{ ext: false, locked: true }]);
    const dirs = await engine.query("SELECT current_setting('allowed_directories') AS dirs");
    assert.deepEqual(dirs.rows, [{ dirs: [lake.lakeDir + '/'] }], 'only the lake (no spill directory)');
  });
});
