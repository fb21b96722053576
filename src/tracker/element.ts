import { SELECTOR_DEPTH, TEXT_MAX, TITLE_MAX } from './limits.js';
import { cut } from './privacy.js';
import type { WireElement } from './types.js';

/**
 * What an event says about an element (browser only).
 *
 * Never read: the value of a form field. Text comes from innerText, which does not contain what a visitor typed
 * into inputs; editable elements and forms send no text at all. Text is whitespace-collapsed and cut to TEXT_MAX
 * characters.
 */

const attr = (el: Element, name: string) => el.getAttribute(name) || '';
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * `main#shop > ul.grid > li:nth-child(3) > a.card.big`: per step the tag, then the id (and stop there) or up to two
 * classes and, unless it is its parent's first child, :nth-child. The first element matching it is the element
 * (document.querySelector finds it again). Bounded by SELECTOR_DEPTH steps and TITLE_MAX characters.
 */
export function selectorOf(el: Element): string {
  const path: string[] = [];
  for (let e: Element | null = el; e && path.length < SELECTOR_DEPTH && e.tagName != 'BODY'; e = e.parentElement) {
    const id = attr(e, 'id');
    const at = [].indexOf.call((e.parentNode as ParentNode).children, e as never) + 1; // <html>'s parent: the document
    const classes = (attr(e, 'class').match(/\S+/g) || []).slice(0, 2);
    const rest = id ? '#' + id : classes.map((c) => '.' + c).join('') + (at > 1 ? ':nth-child(' + at + ')' : '');
    path.unshift(e.tagName.toLowerCase() + rest);
    if (id) break;
  }
  return cut(path.join(' > '), TITLE_MAX);
}

/** Clicks pass the event (for x/y and text); forms do not (no text). */
export function describe(el: Element, ev?: MouseEvent): WireElement {
  const h = el as HTMLElement;
  const href = (el as HTMLAnchorElement).href;
  return {
    tag: el.tagName.toLowerCase(),
    id: attr(el, 'id'),
    classes: cut(attr(el, 'class'), TITLE_MAX), // the collector collapses whitespace
    text: ev && !h.isContentEditable ? cut(squash(h.innerText || ''), TEXT_MAX) : '',
    selector: selectorOf(el),
    href: typeof href == 'string' ? href : '',
    x: ev && ev.pageX,
    y: ev && ev.pageY,
  };
}
