// One session's journey map: every item in time order, first from a query, then live from
// the journeyMap subscription.

import { h } from './dom.js';
import { attributeText, clockTime, identityLabel, pageLabel } from './format.js';
import { icon } from './icons.js';
import { JOURNEY, JOURNEY_ITEMS } from './queries.js';

function inTimeOrder(a, b) {
  return Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const MEDIA = { webchat: 'Web chat', webmessaging: 'Web messaging', content: 'Content offer', custom: 'Custom action' };
const STATE = { frequencycapreached: 'not offered (frequency cap reached)', timedout: 'timed out' };

function line(title, detail) {
  return [h('span', { class: 'item-title' }, title), detail ? h('span', { class: 'item-detail' }, detail) : null];
}

function describe(item) {
  switch (item.kind) {
    case 'PAGEVIEW':
      return line(pageLabel(item.page), item.page?.url);
    case 'SEARCH':
      return [h('span', { class: 'item-title' }, 'Searched “', h('span', { testid: 'map-search-term' }, item.query), '”')];
    case 'SEGMENT_MATCHED':
      return line(`Segment matched: ${item.segment?.name || item.name}`);
    case 'WEB_ACTION': {
      const engagement = item.engagement;
      if (!engagement) return line(item.name);
      const answered = engagement.responseSeconds == null ? '' : `answered after ${Math.round(engagement.responseSeconds)} s`;
      return line(`${MEDIA[engagement.mediaType] || engagement.mediaType} ${STATE[engagement.state] || engagement.state}`,
        [engagement.actionName, answered].filter(Boolean).join(' · '));
    }
    case 'FORM_SUBMITTED':
    case 'FORM_ABANDONED':
      return line(`${item.kind === 'FORM_SUBMITTED' ? 'Form submitted' : 'Form abandoned'}: ${item.form?.name || item.name}`,
        attributeText(item.form?.fields));
    case 'OUTCOME_ACHIEVED':
      return line(`Outcome achieved: ${item.attributes.name || item.name}`);
    case 'IDENTIFIED': {
      const by = (item.attributes.identifiedBy || []).map((type) => identityLabel(type).toLowerCase());
      return line('Identified', by.length ? `by ${by.join(' and ')}` : '');
    }
    default:
      return line(item.name.replaceAll('_', ' '), attributeText(item.attributes));
  }
}

function segmentColour(item) {
  return item.kind === 'SEGMENT_MATCHED' ? item.segment?.color || item.attributes.color : null;
}

export class JourneyMap {
  element = h('ol', { class: 'journey', testid: 'journey-map' });
  #app;
  #sessionId;
  #items = new Map();
  #unsubscribe;

  constructor(app, sessionId) {
    this.#app = app;
    this.#sessionId = sessionId;
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
          icon(item.icon, segmentColour(item)),
          h('span', { class: 'item-text' }, describe(item)),
          h('time', { datetime: item.occurredAt }, clockTime(item.occurredAt)),
        ),
      ),
    );
  }
}
