/**
 * Traffic sources: which referrer hosts and utm_source values are search engines, social networks or webmail.
 * DATA ONLY (no logic). Used by channel.ts; docs/enrichment.md "Channels" explains the rules.
 *
 * Source and license: compiled for Clicklake (Apache-2.0, like the rest of the repository) from the public host
 * names of the services themselves; the categories follow Google Analytics 4's "default channel group" definitions
 * (https://support.google.com/analytics/answer/9756891), and the host names were checked against the search and
 * social sections of Snowplow's referer-parser database (https://github.com/snowplow-referer-parser/referer-parser,
 * Apache-2.0). No code or file was copied from either. No maintained package with such a list is installed
 * (the npm packages referer-parser / inbound are unmaintained and not dependencies).
 *
 * Maintenance: add a host here, with a test case in channel.test.ts. A `*` as the last label means "any public
 * suffix of one or two labels" (google.* matches google.de, google.co.uk, google.com.br).
 * Hosts are compared without a leading "www." / "m." and by suffix (news.google.com matches google.*).
 */
export interface SourceList {
  /** Referrer host patterns. */
  readonly hosts: readonly string[];
  /** utm_source values (lower case) naming the same sources. */
  readonly names: readonly string[];
}

export const SEARCH: SourceList = {
  hosts: [
    'google.*', 'bing.com', 'duckduckgo.com', 'search.yahoo.com', 'search.yahoo.co.jp', 'yandex.*', 'ya.ru',
    'baidu.com', 'ecosia.org', 'search.brave.com', 'startpage.com', 'qwant.com', 'naver.com', 'search.naver.com',
    'ask.com', 'aol.com', 'search.aol.com', 'seznam.cz', 'search.seznam.cz', 'sogou.com', 'so.com', 'sm.cn',
    'daum.net', 'search.daum.net', 'yahoo.co.jp', 'mojeek.com', 'kagi.com', 'perplexity.ai', 'you.com',
    'search.lycos.com', 'dogpile.com', 'metager.org', 'swisscows.com', 'presearch.com', 'coccoc.com', 'petalsearch.com',
    'onet.pl', 'wp.pl', 'rambler.ru', 'go.mail.ru', 'search.goo.ne.jp', 'search.rakuten.co.jp', 'biglobe.ne.jp',
  ],
  names: [
    'google', 'bing', 'duckduckgo', 'yahoo', 'yandex', 'baidu', 'ecosia', 'brave', 'startpage', 'qwant', 'naver',
    'ask', 'aol', 'seznam', 'sogou', 'daum', 'mojeek', 'kagi', 'perplexity', 'coccoc', 'petal', 'msn', 'live',
  ],
};

export const SOCIAL: SourceList = {
  hosts: [
    'facebook.com', 'fb.com', 'fb.me', 'l.facebook.com', 'lm.facebook.com', 'messenger.com', 'instagram.com',
    'l.instagram.com', 'threads.net', 'threads.com', 'twitter.com', 'x.com', 't.co', 'linkedin.com', 'lnkd.in',
    'reddit.com', 'old.reddit.com', 'redd.it', 'pinterest.*', 'pin.it', 'tiktok.com', 'youtube.com', 'youtu.be',
    'snapchat.com', 'tumblr.com', 'vk.com', 'ok.ru', 'weibo.com', 't.cn', 'quora.com', 'news.ycombinator.com',
    'mastodon.social', 'bsky.app', 'discord.com', 'discord.gg', 'telegram.org', 't.me', 'web.telegram.org',
    'whatsapp.com', 'wa.me', 'web.whatsapp.com', 'line.me', 'xing.com', 'medium.com', 'slack.com', 'twitch.tv',
    'vimeo.com', 'flickr.com', 'meetup.com', 'nextdoor.com', 'stackoverflow.com', 'stackexchange.com', 'producthunt.com',
    'douban.com', 'zhihu.com', 'kakao.com', 'story.kakao.com', 'band.us',
  ],
  names: [
    'facebook', 'fb', 'instagram', 'ig', 'threads', 'twitter', 'x', 't.co', 'linkedin', 'reddit', 'pinterest',
    'tiktok', 'youtube', 'snapchat', 'tumblr', 'vk', 'weibo', 'quora', 'hackernews', 'hn', 'mastodon', 'bluesky',
    'bsky', 'discord', 'telegram', 'whatsapp', 'line', 'xing', 'medium', 'slack', 'twitch', 'meta',
  ],
};

/** Webmail: a click in an e-mail read in the browser. */
export const WEBMAIL: SourceList = {
  hosts: [
    'mail.google.com', 'outlook.live.com', 'outlook.office.com', 'outlook.office365.com', 'mail.yahoo.com',
    'mail.yahoo.co.jp', 'mail.aol.com', 'mail.proton.me', 'mail.protonmail.com', 'app.fastmail.com', 'mail.zoho.com',
    'mail.yandex.ru', 'mail.ru', 'e.mail.ru', 'icloud.com', 'www.icloud.com', 'mail.gmx.net', 'navigator.gmx.net',
    'mail.web.de', 'webmail.*', 'mail.tutanota.com', 'app.tuta.com', 'email.t-online.de', 'mail.naver.com',
    'mail.qq.com', 'mail.163.com',
  ],
  names: ['email', 'e-mail', 'newsletter', 'mailchimp', 'sendgrid', 'klaviyo', 'brevo', 'substack'],
};
