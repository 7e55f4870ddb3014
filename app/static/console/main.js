// Start-up: the token, the live connection, and which customer is open (#customer=<id>).

import { forgetToken, saveToken, savedToken, takeTokenFromAddress } from './auth.js';
import { CustomerView } from './customer-view.js';
import { keepDurationsTicking } from './format.js';
import { GraphQLClient, Unauthorized } from './graphql.js';
import { LiveNow } from './live-now.js';
import { JOURNEY_ICONS, VIEWER } from './queries.js';
import { GraphQLSocket } from './socket.js';

const signInForm = document.querySelector('[data-testid=sign-in]');
const signInError = document.querySelector('[data-testid=sign-in-error]');
const signOutButton = document.querySelector('[data-testid=sign-out]');
const workspace = document.querySelector('.workspace');
const connection = document.querySelector('[data-testid=connection-status]');
const toast = document.querySelector('[data-testid=error]');

const CONNECTION_TEXT = { live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' };
let session = null; // what runs while signed in

function showConnection(state) {
  connection.dataset.state = state;
  connection.textContent = CONNECTION_TEXT[state];
}

function showError(error) {
  if (error instanceof Unauthorized) {
    signOut(error.message);
    return;
  }
  const message = Array.isArray(error) ? error.map((each) => each.message).join('; ') : error.message || String(error);
  toast.textContent = message;
  toast.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { toast.hidden = true; }, 8000);
}

function openCustomer(customerId) {
  location.hash = `customer=${encodeURIComponent(customerId)}`;
}

function selectedCustomerId() {
  return new URLSearchParams(location.hash.slice(1)).get('customer');
}

// What each part of the console reads; a key without them gets a note, not errors.
const CUSTOMER_PERMISSIONS = ['journey:customer:view', 'externalContacts:session:view', 'journey:event:view'];

async function start(token) {
  signInForm.hidden = true;
  workspace.hidden = false;
  signOutButton.hidden = false;
  const api = new GraphQLClient(new URL('/graphql', location.href).href, token);
  let permissions;
  try {
    permissions = new Set((await api.query(VIEWER)).viewer.permissions);
  } catch (error) {
    if (error instanceof Unauthorized) signOut(error.message);
    else showError(error);
    return;
  }
  if (savedToken() !== token) return; // signed out (or in again) meanwhile
  const socketUrl = new URL('/graphql', location.href);
  socketUrl.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let legendEntries = null;
  const app = {
    api,
    legend: () => (legendEntries ??= api.query(JOURNEY_ICONS).then((data) => data.journeyIcons)),
    socket: new GraphQLSocket(socketUrl.href, token, { onStatus: showConnection, onRefused: signOut }),
    showError,
    openCustomer,
    mayOpenCustomers: CUSTOMER_PERMISSIONS.every((permission) => permissions.has(permission)),
  };
  const liveNow = new LiveNow(app, workspace.querySelector('.live-now'));
  let customerView = null;
  const customerPane = workspace.querySelector('.customer');
  const showSelectedCustomer = () => {
    const customerId = selectedCustomerId();
    customerView?.close();
    customerView = customerId && app.mayOpenCustomers ? new CustomerView(app, customerId, customerPane) : null;
    if (!customerView) customerPane.replaceChildren(app.mayOpenCustomers ? '' : noCustomerAccess());
    liveNow.select(customerId);
  };
  window.addEventListener('hashchange', showSelectedCustomer);
  showSelectedCustomer();
  const ticker = keepDurationsTicking(workspace);
  session = {
    stop() {
      window.removeEventListener('hashchange', showSelectedCustomer);
      clearInterval(ticker);
      customerView?.close();
      liveNow.close();
      app.socket.close();
    },
  };
}

function noCustomerAccess() {
  const missing = CUSTOMER_PERMISSIONS.join(', ');
  const note = document.createElement('p');
  note.className = 'empty';
  note.dataset.testid = 'no-customer-access';
  note.textContent = `This key shows who is on the site. Opening a customer's sessions and journeys needs ${missing}.`;
  return note;
}

function signOut(reason) {
  forgetToken();
  session?.stop();
  session = null;
  workspace.hidden = true;
  signOutButton.hidden = true;
  signInForm.hidden = false;
  signInError.textContent = typeof reason === 'string' ? reason : '';
  showConnection('offline');
}

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  saveToken(signInForm.elements.token.value);
  signInForm.reset();
  start(savedToken());
});
signOutButton.addEventListener('click', () => signOut());

takeTokenFromAddress();
if (savedToken()) start(savedToken());
else signOut();
