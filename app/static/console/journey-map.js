// One session's journey map: every item in time order, first from a query, then live from
// the journeyMap subscription.

import { h } from './dom.js';
import { attributeText, clockTime, pageLabel } from './format.js';
import { icon } from './icons.js';
import { JOURNEY, JOURNEY_ITEMS } from './queries.js';

function inTimeOrder(a, b) {
  return Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function describe(item) {
  switch (item.kind) {
    case 'PAGEVIEW':
      return [h('span', { class: 'item-title' }, pageLabel(item.page)), item.page && h('span', { class: 'item-detail' }, item.page.url)];
    case 'SEARCH':
      return [h('span', { class: 'item-title' }, 'Searched “', h('span', { testid: 'map-search-term' }, item.query), '”')];
    case 'SEGMENT_MATCHED':
      return [h('span', { class: 'item-title' }, `Segment matched: ${item.attributes.name || item.name}`)];
    case 'OUTCOME_ACHIEVED':
      return [h('span', { class: 'item-title' }, `Outcome achieved: ${item.attributes.name || item.name}`)];
    default:
      return [
        h('span', { class: 'item-title' }, item.name.replaceAll('_', ' ')),
        attributeText(item.attributes) && h('span', { class: 'item-detail' }, attributeText(item.attributes)),
      ];
  }
}

export class JourneyMap {
  element = h('ol', { class: 'journey', testid: 'journey-map' });
  #app;
  #sessionId;
  #items = new Map();
  #onChange;
  #unsubscribe;

  /** onChange(items) runs whenever the map changes, so the card can show what it derives. */
  constructor(app, sessionId, onChange) {
    this.#app = app;
    this.#sessionId = sessionId;
    this.#onChange = onChange;
    this.#unsubscribe = app.socket.subscribe(JOURNEY_ITEMS, { sessionId }, {
      next: ({ journeyMap: item }) => this.#add([item]),
      error: (errors) => app.showError(errors),
      reload: () => this.#reload(),
    });
  }

  close() {
    this.#unsubscribe();
  }

  async #reload() {
    try {
      let after = null;
      do {
        const data = await this.#app.api.query(JOURNEY, { id: this.#sessionId, after });
        if (!data.session) return;
        const page = data.session.journey;
        this.#add(page.nodes);
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
    } catch (error) {
      this.#app.showError(error);
    }
  }

  // Items are keyed by id, so an item seen both in a push and in a query shows once.
  #add(items) {
    for (const item of items) this.#items.set(item.id, item);
    const ordered = [...this.#items.values()].sort(inTimeOrder);
    this.element.replaceChildren(
      ...ordered.map((item) =>
        h(
          'li',
          { class: 'journey-item', testid: 'journey-item', dataset: { kind: item.kind, icon: item.icon } },
          icon(item.icon, item.kind === 'SEGMENT_MATCHED' ? item.attributes.color : null),
          h('span', { class: 'item-text' }, describe(item)),
          h('time', { datetime: item.occurredAt }, clockTime(item.occurredAt)),
        ),
      ),
    );
    this.#onChange(ordered);
  }
}
