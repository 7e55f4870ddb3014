// One inline SVG per journey icon name (JourneyEvent.icon), and the legend that explains them.

import { h } from './dom.js';

const GLYPHS = {
  pageview: '<path d="M6 3h8l4 4v14H6z"/><path d="M14 3v4h4M9 12h6M9 16h6"/>',
  search: '<circle cx="10.5" cy="10.5" r="6"/><path d="M15 15l5 5"/>',
  custom: '<path d="M13 2L4 14h7l-1 8 9-12h-7z"/>',
  segment: '<path d="M3 12V4h8l10 10-8 8z"/><circle cx="7.5" cy="8" r="1.5"/>',
  outcome: '<path d="M5 21V4M5 4h12l-2 4 2 4H5"/>',
  identified: '<circle cx="10" cy="8" r="4"/><path d="M3 21c1-4.5 3.5-7 7-7 1.5 0 2.8.4 3.8 1.2M15 18l2 2 4-4"/>',
  conversation: '<path d="M4 5h16v11H9l-5 4z"/>',
  cart: '<path d="M3 4h2l2.4 11h10.2L20 8H6.2"/><circle cx="9" cy="19" r="1.5"/><circle cx="17" cy="19" r="1.5"/>',
  bag: '<path d="M5 8h14l-1 13H6z"/><path d="M9 10V6a3 3 0 0 1 6 0v4"/>',
  heart: '<path d="M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z"/>',
  star: '<path d="M12 3l2.6 5.6 6 .7-4.5 4.1 1.2 6-5.3-3-5.3 3 1.2-6L3.4 9.3l6-.7z"/>',
  download: '<path d="M12 4v11M7 10l5 5 5-5M5 20h14"/>',
  video: '<rect x="3" y="6" width="13" height="12" rx="2"/><path d="M16 10l5-3v10l-5-3z"/>',
  phone: '<path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z"/>',
  mail: '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="M3 7l9 6 9-6"/>',
  tag: '<path d="M3 7h18v3a2 2 0 0 0 0 4v3H3v-3a2 2 0 0 0 0-4z"/><path d="M10 9.5l4 5"/>',
  user: '<circle cx="12" cy="8" r="4"/><path d="M4 21c1-4.5 4-7 8-7s7 2.5 8 7"/>',
  info: '<circle cx="12" cy="12" r="9"/><path d="M12 11v6M12 7.5v.5"/>',
  logout: '<path d="M10 4H5v16h5M15 8l4 4-4 4M19 12H9"/>',
  'form-submitted': '<rect x="4" y="3" width="16" height="18" rx="2"/><path d="M8 8h8M8 12h4M10 16l2 2 4-4"/>',
  'form-abandoned': '<rect x="4" y="3" width="16" height="18" rx="2"/><path d="M8 8h8M8 12h4M11 15l4 4M15 15l-4 4"/>',
  'engagement-webchat': '<path d="M4 5h16v11H9l-5 4z"/><path d="M9 10.5h.01M12 10.5h.01M15 10.5h.01"/>',
  'engagement-webmessaging': '<path d="M3 4h12v8H7l-4 3z"/><path d="M9 15v2h8l4 3V9h-3"/>',
  'engagement-content': '<rect x="3" y="5" width="18" height="14" rx="2"/><circle cx="9" cy="10" r="2"/><path d="M21 17l-5-5-8 7"/>',
  'engagement-custom': '<path d="M13 2L4 14h7l-1 8 9-12h-7z"/><circle cx="19" cy="5" r="2"/>',
};

// Engagement icons are named <media>-<state>: a glyph per media, a colour per state.
const ENGAGEMENT = /^(webchat|webmessaging|content|custom)-([a-z]+)$/;

// What the console shows when the service's legend cannot be fetched.
const FALLBACK_LEGEND = [
  { name: 'pageview', description: 'Page viewed' },
  { name: 'search', description: 'Search performed' },
  { name: 'custom', description: 'Custom event' },
  { name: 'segment', description: "Segment matched (in the segment's colour)" },
  { name: 'outcome', description: 'Outcome achieved' },
  { name: 'identified', description: 'Visitor identified' },
  { name: 'conversation', description: 'Conversation' },
];

/** The icon for a name; a name this console does not know yet gets the custom glyph. */
export function icon(name, color) {
  const engagement = ENGAGEMENT.exec(name);
  const glyph = engagement ? `engagement-${engagement[1]}` : name in GLYPHS ? name : 'custom';
  const dataset = engagement ? { icon: name, state: engagement[2] } : { icon: name };
  const element = h('span', { class: `icon icon--${glyph}`, 'aria-hidden': 'true', dataset });
  element.innerHTML = `<svg viewBox="0 0 24 24" width="18" height="18">${GLYPHS[glyph]}</svg>`;
  if (color) element.style.setProperty('--icon-color', color);
  return element;
}

/** A folded legend, filled from the service's list of icon names once loadEntries answers. */
export function legend(loadEntries) {
  const list = h('ul', {});
  const fill = (entries) => list.replaceChildren(
    ...entries.map(({ name, description }) => h('li', {}, icon(name), description)),
  );
  fill(FALLBACK_LEGEND);
  loadEntries().then(fill, () => {}); // keep the fallback when the service cannot tell
  return h('details', { class: 'legend', testid: 'legend' }, h('summary', {}, 'Icon legend'), list);
}
