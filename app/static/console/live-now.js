// The Live Now list: every web session active right now, newest first, kept current by the
// liveVisitors subscription.

import { h } from './dom.js';
import { duration, pageLabel, visitorName } from './format.js';
import { fresher } from './sessions.js';
import { liveVisitorChanges, liveVisitors } from './queries.js';

export class LiveNow {
  #app;
  #visitors = new Map();
  #selectedCustomerId = null;
  #list = h('ul', { class: 'visitors', testid: 'live-now' });
  #count = h('span', { class: 'count', testid: 'live-count' }, '0');
  #empty = h('p', { class: 'empty' }, 'Nobody is on the site right now.');
  #unsubscribe;
  #opensCustomers;
  #listQuery;

  constructor(app, container) {
    this.#app = app;
    this.#opensCustomers = app.mayOpenCustomers;
    this.#listQuery = liveVisitors(this.#opensCustomers);
    container.replaceChildren(h('h2', {}, 'Live Now ', this.#count), this.#list, this.#empty);
    this.#unsubscribe = app.socket.subscribe(liveVisitorChanges(this.#opensCustomers), {}, {
      next: ({ liveVisitors: change }) => this.#apply(change.kind, change.session),
      error: (errors) => app.showError(errors),
      reload: () => this.#reload(),
    });
  }

  select(customerId) {
    this.#selectedCustomerId = customerId;
    this.#render();
  }

  close() {
    this.#unsubscribe();
  }

  async #reload() {
    try {
      const data = await this.#app.api.query(this.#listQuery);
      const previous = this.#visitors;
      this.#visitors = new Map();
      for (const session of data.liveVisitors.nodes) {
        this.#visitors.set(session.id, fresher(previous.get(session.id), session));
      }
      this.#render();
    } catch (error) {
      this.#app.showError(error);
    }
  }

  #apply(kind, session) {
    const current = fresher(this.#visitors.get(session.id), session);
    if (kind === 'REMOVED' || current.status === 'INACTIVE') this.#visitors.delete(session.id);
    else this.#visitors.set(session.id, current);
    this.#render();
  }

  #render() {
    const newestFirst = [...this.#visitors.values()].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
    this.#list.replaceChildren(...newestFirst.map((session) => this.#entry(session)));
    this.#count.textContent = String(newestFirst.length);
    this.#count.toggleAttribute('data-none', newestFirst.length === 0);
    this.#empty.hidden = newestFirst.length > 0;
  }

  #entry(session) {
    const customerId = session.customer?.id;
    // Without customer access an entry says what the visit is and opens nothing.
    const opener = customerId
      ? { type: 'button', onclick: () => this.#app.openCustomer(customerId) }
      : { type: 'button', disabled: true, title: 'This key may see visits but not open customers' };
    return h(
      'li',
      {
        class: customerId && customerId === this.#selectedCustomerId ? 'visitor selected' : 'visitor',
        testid: 'live-visitor',
        dataset: { sessionId: session.id, customerId },
      },
      h(
        'button',
        opener,
        h('strong', { class: 'visitor-name' }, session.customer ? visitorName(session.customer) : `Visitor ${session.id.slice(-6)}`),
        h('span', { class: 'visitor-page', testid: 'visitor-last-page' }, pageLabel(session.lastPage)),
        h(
          'span',
          { class: 'visitor-facts' },
          h('span', { testid: 'pageview-count' }, String(session.pageviewCount)),
          session.pageviewCount === 1 ? ' page · ' : ' pages · ',
          h('span', { testid: 'time-on-site', dataset: { since: session.startedAt } },
            duration(Date.now() - Date.parse(session.startedAt))),
          ' on site',
        ),
      ),
    );
  }
}
