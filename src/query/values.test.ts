import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampTZValue,
  DuckDBUnionValue,
} from '@duckdb/node-api';
import { isoFromEpoch, toJsonValue } from './values.js';

describe('toJsonValue', () => {
  it('writes timestamps as ISO UTC, keeping sub-millisecond digits only when present', () => {
    assert.equal(isoFromEpoch(0n, 1000n), '1970-01-01T00:00:00.000Z');
    assert.equal(isoFromEpoch(1_500n, 1000n), '1970-01-01T00:00:00.001500Z');
    assert.equal(isoFromEpoch(-1n, 1000n), '1969-12-31T23:59:59.999999Z');
    assert.equal(isoFromEpoch(1n, 1_000_000n), '1970-01-01T00:00:00.000000001Z');
    assert.equal(isoFromEpoch(10n ** 30n, 1n), null);
    assert.equal(toJsonValue(new DuckDBTimestampNanosecondsValue(2_000_000n)), '1970-01-01T00:00:00.002Z');
    assert.equal(toJsonValue(DuckDBTimestampTZValue.PosInf), 'infinity');
  });

  it('keeps integers exact: numbers when safe, strings beyond 2^53', () => {
    assert.equal(toJsonValue(9007199254740991n), 9007199254740991);
    assert.equal(toJsonValue(-9007199254740992n), '-9007199254740992');
    assert.equal(toJsonValue(Infinity), 'Infinity');
    assert.equal(toJsonValue(new DuckDBUnionValue('n', 5n)), 5);
  });
});
