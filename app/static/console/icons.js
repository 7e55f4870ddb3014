// One inline SVG per journey icon name (JourneyEvent.icon), and the legend that explains them.

import { h } from './dom.js';

const SVG_PATHS = {
  pageview: '<path d="M6 3h8l4 4v14H6z"/><path d="M14 3v4h4M9 12h6M9 16h6"/>',
  search: '<circle cx="10.5" cy="10.5" r="6"/><path d="M15 15l5 5"/>',
  custom: '<path d="M12 3l2.6 5.6 6 .7-4.5 4.1 1.2 6-5.3-3-5.3 3 1.2-6L3.4 9.3l6-.7z"/>',
  segment: '<path d="M3 12V4h8l10 10-8 8z"/><circle cx="7.5" cy="8" r="1.5"/>',
  outcome: '<path d="M5 21V4M5 4h12l-2 4 2 4H5"/>',
  identified: '<circle cx="12" cy="8" r="4"/><path d="M4 21c1-4.5 4-7 8-7s7 2.5 8 7"/>',
  conversation: '<path d="M4 5h16v11H9l-5 4z"/>',
};

const LEGEND = {
  pageview: 'Page viewed',
  search: 'Search performed',
  custom: 'Custom event',
  segment: 'Segment matched (in its colour)',
  outcome: 'Outcome achieved',
  identified: 'Visitor identified',
  conversation: 'Conversation',
};

/** The icon for a name; unknown names (added by a newer service) get the custom icon. */
export function icon(name, color) {
  const known = name in SVG_PATHS ? name : 'custom';
  const element = h('span', { class: `icon icon--${known}`, 'aria-hidden': 'true', dataset: { icon: name } });
  element.innerHTML = `<svg viewBox="0 0 24 24" width="18" height="18">${SVG_PATHS[known]}</svg>`;
  if (color) element.style.setProperty('--icon-color', color);
  return element;
}

export function legend() {
  return h(
    'ul',
    { class: 'legend', testid: 'legend', 'aria-label': 'Legend' },
    Object.entries(LEGEND).map(([name, text]) => h('li', {}, icon(name), text)),
  );
}
