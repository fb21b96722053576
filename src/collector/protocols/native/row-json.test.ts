import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LAKE_COLUMNS, type LakeRow } from '../../../core/schema.js';
import { isPlainJson, parseBatch } from './body.js';
import { createNormalizeContext } from './context.js';
import { FieldError } from './fields.js';
import { normalizeEvent } from './normalize.js';
import { encodeRow } from './row-json.js';
import { cleanText } from './text.js';

function baseRow(over: Partial<LakeRow> = {}): LakeRow {
  const row = Object.fromEntries(LAKE_COLUMNS.map((c) => [c.name, null])) as unknown as LakeRow;
  Object.assign(row, {
    event_id: '11111111-2222-4333-8444-555555555555', event_type: 'click', ts: '2026-11-27T10:00:00.000Z',
    received_at: '2026-11-27T10:00:00.000Z', site_id: 'default', properties: '{}', seq: 3, x: -4,
  });
  return Object.assign(row, over);
}

const encode = (r: LakeRow, plain = false) => encodeRow(r, plain, JSON.stringify(r.user_agent));

/** Small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

const ALPHABET = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u007f', '\u0085', '\u00e9', '\u2028', '\ud800', '\udc00', '\u{1F600}', '<', '{'];

describe('encodeRow', () => {
  it('equals JSON.stringify on clean rows, in both modes', () => {
    const r = baseRow({ page_url: 'https://a.example/x?y=1', page_title: 'Home', user_agent: 'UA "quoted"', properties: '{"a":"b"}' });
    assert.equal(encode(r), JSON.stringify(r));
    assert.equal(encode(r, true), JSON.stringify(r));
  });

  it('cleans free text and escapes everything else (randomised)', () => {
    const next = rng(42);
    for (let i = 0; i < 500; i++) {
      let s = '';
      for (let k = 0; k < 12; k++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
      const r = baseRow({ page_title: s, element_text: s, event_name: s, properties: JSON.stringify({ s }) });
      const out = encode(r);
      const expected = { ...r, page_title: cleanText(s), element_text: cleanText(s), event_name: cleanText(s) };
      assert.equal(out, JSON.stringify(expected), `input ${JSON.stringify(s)}`);
      assert.ok((out as unknown as { isWellFormed(): boolean }).isWellFormed());
    }
  });

  it('rejects control characters in identifier columns, naming the input field', () => {
    for (const [column, field] of [['page_url', 'url'], ['element_tag', 'element.tag'], ['user_id', 'user_id']] as const) {
      assert.throws(() => encode(baseRow({ [column]: 'a\u0001' })), (e: unknown) => e instanceof FieldError && e.message.startsWith(`${field}:`));
    }
  });

  it('replaces lone surrogates in identifier columns', () => {
    assert.equal(JSON.parse(encode(baseRow({ user_id: 'u\ud800' }))).user_id, 'u\uFFFD');
  });
});

describe('isPlainJson', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  it('is true only without backslashes, DEL and C1 characters', () => {
    assert.equal(isPlainJson(bytes('[{"title":"caf\u00e9 \u00a3 \u{1F600}"}]')), true);
    assert.equal(isPlainJson(bytes('[{"title":"a\\"b"}]')), false);
    assert.equal(isPlainJson(bytes('[{"title":"a\u007fb"}]')), false);
    assert.equal(isPlainJson(bytes('[{"title":"a\u0085b"}]')), false);
    assert.equal(isPlainJson(bytes('[{"title":"a\u00c2\u00a0"}]')), true);
  });

  it('gives the same rows as the checked path', () => {
    const events = [
      { type: 'page_view', url: 'https://a.example/\u00e9t\u00e9', title: 'Caf\u00e9 \u{1F600}', props: { k: 'v' } },
      { type: 'click', element: { tag: 'A', classes: ['x', 'y'], text: ' hi ', selector: 'a.x' } },
    ];
    const body = new TextEncoder().encode(JSON.stringify(events));
    const batch = parseBatch(body, undefined, { maxBodyBytes: 1 << 20, maxEventsPerRequest: 10 });
    assert.equal(batch.plain, true);
    const ctx = (plain: boolean) =>
      createNormalizeContext({
        receivedAt: Date.parse('2026-11-27T10:00:00Z'), userAgent: 'UA "1"', origin: null, newId: () => '00000000-0000-4000-8000-000000000000',
        limits: { maxBodyBytes: 1 << 20, maxEventsPerRequest: 10, maxEventBytes: 32768, maxClockSkewMs: 1000 }, sites: {}, plain,
      });
    const rows = (plain: boolean) => batch.events.map((e) => normalizeEvent(e, ctx(plain)));
    assert.deepEqual(rows(true), rows(false));
    for (const r of rows(true)) assert.ok('row' in r && JSON.parse(r.row));
  });
});
