// A session card: blue while the session is ACTIVE, gray once INACTIVE. Its header says
// when and how much; expanding it shows the journey map with the segments, outcomes and
// searches of the session.

import { h } from './dom.js';
import { dayAndTime, duration, pageLabel, plural } from './format.js';
import { JourneyMap } from './journey-map.js';
import { fresher } from './sessions.js';

export function segmentChips(segments) {
  return segments.map(({ name, color }) => {
    const chip = h('span', { class: 'chip', testid: 'segment-chip' }, name);
    if (color) chip.style.setProperty('--chip-color', color);
    return chip;
  });
}

// Why the bar stands where it does: the strongest factors, and where the figure comes from.
function outcomeWhy({ factors = [], quantile, source, achieved }) {
  if (achieved) return [];
  const reasons = factors.slice(0, 3).map(({ label, contribution }) =>
    h('li', { class: contribution >= 0 ? 'factor up' : 'factor down', testid: 'outcome-factor' },
      `${contribution >= 0 ? '▲' : '▼'} ${label}`));
  const basis = source === 'fallback'
    ? 'rule of thumb until enough history exists'
    : quantile == null ? 'model' : `model · higher than ${Math.round(quantile * 100)}% of recent sessions`;
  return [h('ul', { class: 'factors' }, reasons), h('span', { class: 'outcome-basis', testid: 'outcome-basis' }, basis)];
}

function outcomeBars(outcomes) {
  return outcomes.map((progress) => {
    const { outcome, probability, achieved } = progress;
    const percent = Math.round(probability * 100);
    const fill = h('span', { class: 'bar-fill' });
    fill.style.width = `${percent}%`;
    return h(
      'div',
      { class: achieved ? 'outcome achieved' : 'outcome', testid: 'outcome-bar', dataset: { probability } },
      h('span', { class: 'outcome-name' }, outcome.name),
      h('span', { class: 'bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': percent }, fill),
      h('span', { class: 'outcome-value', testid: 'outcome-value' }, achieved ? 'achieved' : `${percent}%`),
      h('div', { class: 'outcome-why' }, ...outcomeWhy(progress)),
    );
  });
}

function searchList(searches) {
  return h('ul', { class: 'searches', testid: 'searches' },
    searches.map((search) => h('li', { testid: 'search-term' }, search.query)));
}

export class SessionCard {
  element = h('article', { class: 'card', testid: 'session-card' });
  #app;
  #session;
  #map = null;
  #header = h('button', { type: 'button', class: 'card-header', testid: 'card-toggle', onclick: () => this.#toggle() });
  #highlights = h('div', { class: 'card-highlights' }); // segments and outcomes, above the map
  #searches = h('div', { class: 'card-searches' }); // every search of the session, below it
  #body = h('div', { class: 'card-body', hidden: true }, this.#highlights, this.#searches);

  constructor(app, session) {
    this.#app = app;
    this.#session = session;
    this.element.dataset.sessionId = session.id;
    this.element.append(this.#header, this.#body);
    this.#render();
  }

  get session() {
    return this.#session;
  }

  update(session) {
    this.#session = fresher(this.#session, session);
    this.#render();
  }

  close() {
    this.#map?.close();
  }

  #toggle() {
    if (this.#map) {
      this.#map.close();
      this.#map.element.remove();
      this.#map = null;
    } else {
      this.#map = new JourneyMap(this.#app, this.#session.id);
      this.#highlights.after(this.#map.element);
    }
    this.#render();
  }

  #render() {
    const session = this.#session;
    const expanded = Boolean(this.#map);
    this.element.dataset.status = session.status;
    this.element.dataset.expanded = String(expanded);
    this.#header.setAttribute('aria-expanded', String(expanded));
    const active = session.status === 'ACTIVE';
    this.#header.replaceChildren(
      h('span', { class: 'status', testid: 'card-status' }, active ? 'Active' : 'Inactive'),
      h('span', { class: 'started' }, dayAndTime(session.startedAt)),
      h('span', { class: 'length', dataset: active ? { since: session.startedAt } : {} },
        duration((active ? Date.now() : Date.parse(session.lastActivityAt)) - Date.parse(session.startedAt))),
      h('span', { class: 'pages' }, h('span', { testid: 'pageview-count' }, String(session.pageviewCount)),
        session.pageviewCount === 1 ? ' page' : ' pages'),
      h('span', { class: 'events' }, plural(session.eventCount, 'event', 'events')),
      h('span', { class: 'last-page' }, pageLabel(session.lastPage)),
    );
    this.#body.hidden = !expanded;
    if (expanded) this.#renderDetails();
  }

  // Sections appear only when they have something to show.
  #renderDetails() {
    const session = this.#session;
    const segments = (session.segments || []).map(({ segment }) => segment); // in the order assigned
    const outcomes = session.outcomes || [];
    const searches = session.searches || [];
    this.#highlights.replaceChildren(
      ...(segments.length ? [h('div', { class: 'segments', testid: 'segments' }, segmentChips(segments))] : []),
      ...(outcomes.length ? [h('div', { class: 'outcomes', testid: 'outcomes' }, outcomeBars(outcomes))] : []),
    );
    this.#searches.replaceChildren(
      ...(searches.length ? [h('h4', {}, 'Searched this session'), searchList(searches)] : []),
    );
  }
}
