import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costRow, fixedMonthly, perEvent, PRICES } from './costs.js';

describe('cost model', () => {
  it('at 0 events/s only the fixed part remains; it is dominated by Fargate and the ALB', () => {
    const idle = costRow(0);
    assert.equal(idle.variable, 0);
    assert.equal(idle.total, fixedMonthly());
    const fargateAndAlb = (0.5 * PRICES.fargateVcpuHour + PRICES.fargateGbHour + PRICES.albHour) * 730;
    assert.ok(fargateAndAlb / idle.total > 0.6);
  });

  it('scales linearly with the event rate and amortises the fixed part', () => {
    const a = costRow(10);
    const b = costRow(100);
    assert.ok(Math.abs((b.variable - a.variable * 10) / b.variable) < 1e-9);
    assert.ok(b.perMillion! < a.perMillion!);
    // DynamoDB writes (put + delete) are the largest per-event cost.
    assert.ok(4 * PRICES.dynamoWru > perEvent() / 2);
  });
});
