import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyChannel, kindOfHost, referrerHostOf } from './channel.js';
import { redactionSet, scanPageUrl } from './url.js';

/** Page URL + referrer, as a browser sends them -> (referrer_host, channel). */
const cases: [string, string, string | null, string | null, string][] = [
  ['Google search', 'https://shop.example/', 'https://www.google.com/', 'www.google.com', 'organic_search'],
  ['Google country domain', 'https://shop.example/', 'https://www.google.co.uk/', 'www.google.co.uk', 'organic_search'],
  ['Bing search', 'https://shop.example/', 'https://www.bing.com/search?q=shoes', 'www.bing.com', 'organic_search'],
  ['DuckDuckGo', 'https://shop.example/', 'https://duckduckgo.com/', 'duckduckgo.com', 'organic_search'],
  ['Google Ads (gclid)', 'https://shop.example/?gclid=EAIaIQobChMI', 'https://www.google.com/', 'www.google.com', 'paid_search'],
  ['Microsoft Ads (msclkid)', 'https://shop.example/?msclkid=5f2a', 'https://www.bing.com/', 'www.bing.com', 'paid_search'],
  ['cpc from google', 'https://shop.example/?utm_source=google&utm_medium=cpc', null, null, 'paid_search'],
  ['paid social', 'https://shop.example/?utm_source=facebook&utm_medium=paid_social', 'https://l.facebook.com/', 'l.facebook.com', 'paid_social'],
  ['cpm elsewhere', 'https://shop.example/?utm_source=adnet&utm_medium=cpm', null, null, 'paid_other'],
  ['display', 'https://shop.example/?utm_source=adnet&utm_medium=display', null, null, 'paid_other'],
  ['Facebook link shim', 'https://shop.example/', 'https://l.facebook.com/', 'l.facebook.com', 'organic_social'],
  ['fbclid, no referrer', 'https://shop.example/?fbclid=IwAR0x', null, null, 'organic_social'],
  ['Twitter t.co', 'https://shop.example/', 'https://t.co/', 't.co', 'organic_social'],
  ['LinkedIn', 'https://shop.example/', 'https://www.linkedin.com/', 'www.linkedin.com', 'organic_social'],
  ['LinkedIn Android app', 'https://shop.example/', 'android-app://com.linkedin.android/', 'com.linkedin.android', 'referral'],
  ['Reddit', 'https://shop.example/', 'https://old.reddit.com/r/x', 'old.reddit.com', 'organic_social'],
  ['Gmail webmail', 'https://shop.example/', 'https://mail.google.com/', 'mail.google.com', 'email'],
  ['Outlook webmail', 'https://shop.example/', 'https://outlook.live.com/', 'outlook.live.com', 'email'],
  ['utm_medium email', 'https://shop.example/?utm_source=newsletter&utm_medium=email', null, null, 'email'],
  ['utm_source only (social)', 'https://shop.example/?utm_source=instagram', null, null, 'organic_social'],
  ['utm_medium social', 'https://shop.example/?utm_source=mastodon&utm_medium=social', null, null, 'organic_social'],
  ['unknown site', 'https://shop.example/', 'https://blog.example.org/post/1', 'blog.example.org', 'referral'],
  ['tagged link, unknown source', 'https://shop.example/?utm_source=partner-x', null, null, 'referral'],
  ['no referrer', 'https://shop.example/', null, null, 'direct'],
  ['same site is not a referrer', 'https://shop.example/p/2', 'https://shop.example/p/1', null, 'direct'],
  ['www. on one side is the same site', 'https://www.shop.example/p/2', 'https://shop.example/', null, 'direct'],
  ['not a URL', 'https://shop.example/', 'nonsense', null, 'direct'],
  ['userinfo, port, case and trailing dot are dropped', 'https://shop.example/', 'https://user:pw@Blog.Example.COM.:8443/x?y#z', 'blog.example.com', 'referral'],
  ['IPv6 literal host', 'https://shop.example/', 'http://[2001:db8::1]:8080/', '[2001:db8::1]', 'referral'],
  ['same site with a port', 'http://localhost:8080/b', 'http://localhost:8080/a', null, 'direct'],
  ['relative referrer is not a URL', 'https://shop.example/', '/from/here', null, 'direct'],
];

describe('referrer_host and channel', () => {
  const redact = redactionSet([]);
  for (const [name, pageUrl, referrer, host, channel] of cases) {
    it(name, () => {
      const page = scanPageUrl(pageUrl, redact);
      const refHost = referrerHostOf(referrer, new URL(pageUrl).host);
      assert.equal(refHost, host, 'referrer_host');
      assert.equal(
        classifyChannel({ referrerHost: refHost, utmSource: page.utm_source, utmMedium: page.utm_medium, clickId: page.click_id_type }),
        channel,
      );
    });
  }
});

describe('kindOfHost', () => {
  it('most specific match wins and wildcards need a public suffix', () => {
    assert.equal(kindOfHost('mail.google.com'), 'email');
    assert.equal(kindOfHost('news.google.de'), 'search');
    assert.equal(kindOfHost('www.google.com.br'), 'search');
    assert.equal(kindOfHost('google.evil.example'), null);
    assert.equal(kindOfHost('go.mail.ru'), 'search');
    assert.equal(kindOfHost('e.mail.ru'), 'email');
    assert.equal(kindOfHost('notfacebook.com'), null);
  });
});
