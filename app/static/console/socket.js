// A minimal graphql-transport-ws client that keeps its subscriptions alive.
//
// Whenever a subscription is (re)established its `reload` handler runs, because pushes sent
// while the socket was down are gone: the view fetches its state again and then follows
// the pushes. That one rule covers start-up, network drops, a restarted service, and close
// code 4499, which the service sends to a subscriber that fell too far behind.
//
// The protocol does not acknowledge a subscription, so `reload` waits for the pong to a ping
// sent right after subscribing: the service answers it once the subscriptions asked for
// before it receive pushes, and a change made in between cannot fall through the gap.

const PROTOCOL = 'graphql-transport-ws';
const ACK_TIMEOUT_MS = 10_000;
const PING_EVERY_MS = 20_000;
const MAX_RECONNECT_DELAY_MS = 15_000;
const FELL_BEHIND = 4499;
const REFUSED = new Set([4401, 4403]); // the token is not accepted: retrying cannot help
const NO_ANSWER = 4408; // our own code for closing a connection that stopped answering

function reconnectDelay(attempt) {
  const ceiling = Math.min(MAX_RECONNECT_DELAY_MS, 500 * 2 ** attempt);
  return ceiling / 2 + (Math.random() * ceiling) / 2; // jitter: consoles do not return in lockstep
}

export class GraphQLSocket {
  #url;
  #token;
  #onStatus;
  #onRefused;
  #socket = null;
  #acknowledged = false;
  #awaitingPong = false;
  #subscriptions = new Map();
  #nextId = 1;
  #nextMark = 1;
  #afterPong = new Map(); // ping mark → what to do once the service answers it
  #attempt = 0;
  #timers = {};
  #stopped = false;

  constructor(url, token, { onStatus = () => {}, onRefused = () => {} } = {}) {
    this.#url = url;
    this.#token = token;
    this.#onStatus = onStatus;
    this.#onRefused = onRefused;
    this.#connect();
  }

  /** handlers: next(data), error(errors), reload(). Returns a function that unsubscribes. */
  subscribe(query, variables, handlers) {
    const id = String(this.#nextId++);
    const subscription = { query, variables, handlers };
    this.#subscriptions.set(id, subscription);
    if (this.#acknowledged) this.#start(id, subscription);
    return () => {
      if (this.#subscriptions.delete(id) && this.#acknowledged) this.#send({ id, type: 'complete' });
    };
  }

  close() {
    this.#stopped = true;
    this.#clearTimers();
    this.#socket?.close(1000, 'Signed out');
  }

  #connect() {
    const socket = new WebSocket(this.#url, PROTOCOL);
    this.#socket = socket;
    socket.onopen = () => {
      this.#send({ type: 'connection_init', payload: { authorization: `Bearer ${this.#token}` } });
      this.#timers.ack = setTimeout(() => socket.close(NO_ANSWER, 'No connection_ack'), ACK_TIMEOUT_MS);
    };
    socket.onmessage = (event) => this.#receive(JSON.parse(event.data));
    socket.onclose = (event) => {
      if (socket === this.#socket) this.#closed(event.code, event.reason);
    };
  }

  #receive(message) {
    const subscription = this.#subscriptions.get(message.id);
    switch (message.type) {
      case 'connection_ack':
        clearTimeout(this.#timers.ack);
        this.#acknowledged = true;
        this.#attempt = 0;
        this.#timers.ping = setInterval(() => this.#ping(), PING_EVERY_MS);
        this.#onStatus('live');
        for (const [id, each] of this.#subscriptions) this.#start(id, each);
        break;
      case 'next':
        if (message.payload.errors) subscription?.handlers.error?.(message.payload.errors);
        else subscription?.handlers.next(message.payload.data);
        break;
      case 'error': // the operation is over on the service's side
        this.#subscriptions.delete(message.id);
        subscription?.handlers.error?.(message.payload);
        break;
      case 'complete':
        this.#subscriptions.delete(message.id);
        break;
      case 'ping':
        this.#send({ type: 'pong' });
        break;
      case 'pong': {
        this.#awaitingPong = false;
        const mark = message.payload?.mark;
        const then = this.#afterPong.get(mark);
        this.#afterPong.delete(mark);
        then?.();
        break;
      }
    }
  }

  // A ping after each subscribe: a view waits for its own subscription, not for all of them.
  #start(id, subscription) {
    this.#send({ id, type: 'subscribe', payload: { query: subscription.query, variables: subscription.variables } });
    const mark = this.#nextMark++;
    this.#afterPong.set(mark, () => {
      if (this.#subscriptions.get(id) === subscription) subscription.handlers.reload?.();
    });
    this.#send({ type: 'ping', payload: { mark } });
  }

  // A connection can die without a close frame (a sleeping laptop, a dropped NAT entry);
  // an unanswered ping is how we notice.
  #ping() {
    if (this.#awaitingPong) {
      this.#socket.close(NO_ANSWER, 'No pong');
      return;
    }
    this.#awaitingPong = true;
    this.#send({ type: 'ping' });
  }

  #closed(code, reason) {
    this.#clearTimers();
    this.#afterPong.clear(); // the next connection subscribes and reloads afresh
    this.#acknowledged = false;
    this.#awaitingPong = false;
    if (this.#stopped) return;
    if (REFUSED.has(code)) {
      this.#stopped = true;
      this.#onStatus('offline');
      this.#onRefused(reason || 'The token was not accepted.');
      return;
    }
    this.#onStatus('reconnecting');
    const delay = code === FELL_BEHIND ? 100 : reconnectDelay(this.#attempt++);
    this.#timers.reconnect = setTimeout(() => this.#connect(), delay);
  }

  #send(message) {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  #clearTimers() {
    clearTimeout(this.#timers.ack);
    clearTimeout(this.#timers.reconnect);
    clearInterval(this.#timers.ping);
  }
}
