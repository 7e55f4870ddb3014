// The customer view: who the visitor is, their status now, and their session cards
// (newest first), kept current by the sessionCards subscription.

import { h } from './dom.js';
import { identityLabel, profileRows, visitorName } from './format.js';
import { legend } from './icons.js';
import { CUSTOMER, CUSTOMER_PROFILE, SESSION_CARD_CHANGES } from './queries.js';
import { SessionCard, segmentChips } from './session-card.js';
import { newestFirst } from './sessions.js';

const PROFILE_REFRESH_DELAY_MS = 1000; // one profile query for a burst of pushes

export class CustomerView {
  #app;
  #customerId;
  #customer = null;
  #cards = new Map();
  #title = h('h2', {}, 'Loading…');
  #summary = h('div', { class: 'summary', testid: 'customer-summary' });
  #profile = h('dl', { class: 'profile' });
  #list = h('div', { class: 'cards', testid: 'session-cards' });
  #unsubscribe;
  #profileTimer = null;

  constructor(app, customerId, container) {
    this.#app = app;
    this.#customerId = customerId;
    container.replaceChildren(
      h('div', { class: 'customer-view', testid: 'customer-view', dataset: { customerId } },
        this.#title, this.#summary, this.#profile, legend(app.legend), h('h3', {}, 'Sessions'), this.#list),
    );
    this.#unsubscribe = app.socket.subscribe(SESSION_CARD_CHANGES, { customerId }, {
      next: ({ sessionCards: change }) => {
        if (change.kind === 'REMOVED' || change.session.customer.id !== this.#customerId) {
          this.#remove(change.session.id);
          // Identity stitching moved this visitor's sessions to a known customer: follow them.
          if (change.kind === 'MOVED' && this.#cards.size === 0) app.openCustomer(change.session.customer.id);
        } else {
          this.#apply(change.session);
        }
        this.#refreshProfileSoon();
      },
      error: (errors) => app.showError(errors),
      reload: () => this.#reload(),
    });
  }

  close() {
    clearTimeout(this.#profileTimer);
    this.#unsubscribe();
    for (const card of this.#cards.values()) card.close();
  }

  async #reload() {
    try {
      const data = await this.#app.api.query(CUSTOMER, { id: this.#customerId });
      if (!data.customer) {
        this.#title.textContent = 'No such customer';
        return;
      }
      this.#customer = data.customer;
      const current = new Set(data.customer.sessions.nodes.map((session) => session.id));
      for (const id of this.#cards.keys()) if (!current.has(id)) this.#remove(id); // moved or erased meanwhile
      for (const session of data.customer.sessions.nodes) this.#apply(session);
      this.#renderCustomer(data.customer.summary);
    } catch (error) {
      this.#app.showError(error);
    }
  }

  #refreshProfileSoon() {
    if (this.#profileTimer) return;
    this.#profileTimer = setTimeout(async () => {
      this.#profileTimer = null;
      try {
        const data = await this.#app.api.query(CUSTOMER_PROFILE, { id: this.#customerId });
        if (data.customer && this.#customer) {
          Object.assign(this.#customer, data.customer);
          this.#renderCustomer();
        }
      } catch (error) {
        this.#app.showError(error);
      }
    }, PROFILE_REFRESH_DELAY_MS);
  }

  #remove(sessionId) {
    this.#cards.get(sessionId)?.element.remove();
    this.#cards.get(sessionId)?.close();
    this.#cards.delete(sessionId);
    if (this.#customer) this.#renderCustomer();
  }

  #apply(session) {
    const card = this.#cards.get(session.id);
    if (card) card.update(session);
    else this.#cards.set(session.id, new SessionCard(this.#app, session));
    // Existing card elements move rather than rebuild, so expanded maps stay open.
    const ordered = newestFirst([...this.#cards.values()].map((each) => each.session));
    this.#list.replaceChildren(...ordered.map((each) => this.#cards.get(each.id).element));
    if (this.#customer) this.#renderCustomer();
  }

  /** The summary is the newest session's, as the service computes it; after a push the
   * newest card holds the newer figures. */
  #renderCustomer(summary) {
    const newest = newestFirst([...this.#cards.values()].map((card) => card.session))[0];
    const status = newest ? newest.status : summary?.status || 'INACTIVE';
    const pageviews = newest ? newest.pageviewCount : summary?.pageviewsThisSession || 0;
    const customer = this.#customer;
    this.#title.textContent = visitorName(customer);
    this.#summary.replaceChildren(
      h('span', { class: 'status-badge', testid: 'customer-status', dataset: { status } }, status === 'ACTIVE' ? 'Active' : 'Inactive'),
      h('span', {}, h('span', { testid: 'summary-pageviews' }, String(pageviews)),
        pageviews === 1 ? ' page view this session' : ' page views this session'),
      h('span', {}, customer.identified ? 'Known customer' : 'Anonymous visitor'),
    );
    const identities = customer.identities.filter((identity) => identity.type !== 'COOKIE');
    const traits = profileRows(customer.traits);
    const segments = (customer.segments || []).map(({ segment }) => segment);
    this.#profile.replaceChildren(
      ...(segments.length ? [h('dt', {}, 'Segments'), h('dd', { class: 'segments' }, segmentChips(segments))] : []),
      ...identities.flatMap((identity) => [
        h('dt', {}, identityLabel(identity.type)),
        h('dd', { testid: 'customer-identity' }, identity.value),
      ]),
      ...traits.flatMap(([label, text]) => [
        h('dt', {}, label),
        h('dd', { testid: 'customer-trait' }, text),
      ]),
    );
  }
}
