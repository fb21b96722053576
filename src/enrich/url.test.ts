import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_UTM, redactionSet, redactUrl, scanPageUrl } from './url.js';

const REDACT = redactionSet(['token', 'Email', 'access_token', 'code', 'state']);

describe('redactUrl', () => {
  const cases: [string, string, string][] = [
    ['no query: the same string', 'https://shop.example/p/1', 'https://shop.example/p/1'],
    ['nothing to remove', 'https://shop.example/s?q=shoes&page=2', 'https://shop.example/s?q=shoes&page=2'],
    ['removes one, keeps the rest as sent', 'https://shop.example/s?q=red%20shoes&token=abc123&page=2', 'https://shop.example/s?q=red%20shoes&page=2'],
    ['names are case-insensitive', 'https://shop.example/?TOKEN=abc&EMAIL=a%40b.c&x=1', 'https://shop.example/?x=1'],
    ['percent-encoded names', 'https://shop.example/?%74oken=abc&x=1', 'https://shop.example/?x=1'],
    ['last parameter removed: no dangling ?', 'https://shop.example/p?token=abc', 'https://shop.example/p'],
    ['fragment kept', 'https://shop.example/p?token=abc&a=1#reviews', 'https://shop.example/p?a=1#reviews'],
    ['SPA route in the fragment', 'https://app.example/#/reset?token=abc&step=2', 'https://app.example/#/reset?step=2'],
    ['OAuth implicit fragment', 'https://app.example/cb#access_token=xyz&state=s1', 'https://app.example/cb'],
    ['plain anchor untouched', 'https://shop.example/p#top', 'https://shop.example/p#top'],
    ['click ids always removed', 'https://shop.example/?gclid=EAIaIQ&utm_source=google', 'https://shop.example/?utm_source=google'],
    ['flag parameter without value', 'https://shop.example/?token&x', 'https://shop.example/?x'],
    ['a value named like a parameter stays', 'https://shop.example/?q=token', 'https://shop.example/?q=token'],
  ];
  for (const [name, input, out] of cases) it(name, () => assert.equal(redactUrl(input, REDACT), out));
});

describe('scanPageUrl: UTM and click ids', () => {
  it('reads every utm parameter, decoded', () => {
    const f = scanPageUrl(
      'https://shop.example/p?utm_source=newsletter&utm_medium=email&utm_campaign=black+friday%202026&utm_term=red%20shoes&utm_content=hero&token=t',
      REDACT,
    );
    assert.deepEqual(
      { ...f },
      {
        url: 'https://shop.example/p?utm_source=newsletter&utm_medium=email&utm_campaign=black+friday%202026&utm_term=red%20shoes&utm_content=hero',
        utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'black friday 2026', utm_term: 'red shoes', utm_content: 'hero',
        click_id_type: null,
      },
    );
  });
  it('upper-case names, first occurrence wins, empty is null, bad escapes kept raw', () => {
    const f = scanPageUrl('https://s.example/?UTM_SOURCE=Google&utm_source=bing&utm_medium=&utm_campaign=%E0%A4%A', REDACT);
    assert.equal(f.utm_source, 'Google');
    assert.equal(f.utm_medium, null);
    assert.equal(f.utm_campaign, '%E0%A4%A');
  });
  it('bounds values', () => {
    const f = scanPageUrl(`https://s.example/?utm_campaign=${'x'.repeat(5000)}`, REDACT);
    assert.equal(f.utm_campaign!.length, MAX_UTM);
  });
  it('click ids: the type is kept, the value removed', () => {
    const g = scanPageUrl('https://s.example/?gclid=Cj0KCQ&x=1', REDACT);
    assert.equal(g.click_id_type, 'gclid');
    assert.equal(g.url, 'https://s.example/?x=1');
    assert.equal(scanPageUrl('https://s.example/?fbclid=IwAR1', REDACT).click_id_type, 'fbclid');
    assert.equal(scanPageUrl('https://s.example/?msclkid=abc&fbclid=x', REDACT).click_id_type, 'msclkid');
    assert.equal(scanPageUrl('https://s.example/?gclid=', REDACT).click_id_type, null, 'empty value');
  });
  it('utm in the fragment is not read (only the query)', () => {
    assert.equal(scanPageUrl('https://s.example/#utm_source=x', REDACT).utm_source, null);
  });
});
