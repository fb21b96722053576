import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDefinition, toDefinition, toDrafts } from './funnel-def.js';

describe('funnel builder definition', () => {
  it('turns the form into the API definition, leaving out empty steps and property keys', () => {
    const def = toDefinition(
      [
        { kind: 'page', value: ' / ', props: [] },
        { kind: 'page', value: '', props: [] },
        { kind: 'page', value: '/products/*', props: [{ key: '', value: 'x' }] },
        { kind: 'event', value: 'signup', props: [{ key: 'plan', value: 'pro' }] },
      ],
      '86400',
    );
    assert.deepEqual(def, { steps: [{ page: '/' }, { page: '/products/*' }, { event: 'signup', properties: { plan: 'pro' } }], windowSeconds: 86400 });
    assert.deepEqual(toDefinition([{ kind: 'event', value: 'a', props: [] }], ''), { steps: [{ event: 'a' }] });
    assert.deepEqual(toDefinition([{ kind: 'event', value: 'a', props: [] }], 'junk'), { steps: [{ event: 'a' }] });
  });

  it('round-trips through the URL and back into the form', () => {
    const def = { steps: [{ page: '/' }, { event: 'signup', properties: { plan: 'pro', n: 2 } }], windowSeconds: 3600 };
    const parsed = parseDefinition(JSON.stringify(def));
    const drafts = toDrafts(parsed);
    assert.deepEqual(drafts, [
      { kind: 'page', value: '/', props: [] },
      { kind: 'event', value: 'signup', props: [{ key: 'plan', value: 'pro' }, { key: 'n', value: '2' }] },
    ]);
    assert.deepEqual(toDefinition(drafts, '3600'), { ...def, steps: [def.steps[0], { event: 'signup', properties: { plan: 'pro', n: '2' } }] });
  });

  it('starts with two empty steps for a missing or broken definition', () => {
    for (const text of [undefined, '', 'not json', '[1,2]', '{"steps": "x"}']) {
      assert.deepEqual(toDrafts(parseDefinition(text)), [
        { kind: 'page', value: '', props: [] },
        { kind: 'page', value: '', props: [] },
      ], String(text));
    }
  });
});
