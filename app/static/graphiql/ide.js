// GraphiQL for Journey Graph: asks for a token first, so the schema is fetched with it
// (Docs and Explorer work at once), and keeps the token and the editors in sessionStorage:
// they go away with the tab.
(function () {
  'use strict';

  const TOKEN_KEY = 'journey-graphiql-token';
  const endpoint = location.origin + '/graphql';
  const socketEndpoint = endpoint.replace(/^http/, 'ws');
  const form = document.getElementById('sign-in');
  const problem = form.querySelector('.problem');
  const bar = document.getElementById('bar');
  const mount = document.getElementById('graphiql');
  let root = null;

  const EXAMPLE = `# Who is on the site right now? Ctrl-Enter runs the query.
# Open Docs (top left) or the Explorer to browse the schema.
query LiveNow {
  liveVisitors(first: 10) {
    nodes { id status startedAt pageviewCount }
  }
}
`;

  /** A `#token=...` in the address wins, and is removed from it at once. */
  function takeTokenFromAddress() {
    const params = new URLSearchParams(location.hash.slice(1));
    const token = params.get('token');
    if (!token) return false;
    sessionStorage.setItem(TOKEN_KEY, token.trim());
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
    return true;
  }

  async function accepted(token) {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    if (response.status === 401) return false;
    if (!response.ok) throw new Error('the service answered ' + response.status);
    return true;
  }

  function askForToken(message) {
    if (root) { root.unmount(); root = null; }
    mount.hidden = true;
    bar.hidden = true;
    form.hidden = false;
    problem.hidden = !message;
    problem.textContent = message || '';
    form.elements.token.focus();
  }

  function open(token) {
    if (root) root.unmount();
    form.hidden = true;
    bar.hidden = false;
    mount.hidden = false;
    const authorization = 'Bearer ' + token;
    const fetcher = GraphiQL.createFetcher({
      url: endpoint,
      subscriptionUrl: socketEndpoint,
      headers: { Authorization: authorization },
      wsConnectionParams: { authorization },
    });
    root = ReactDOM.createRoot(mount);
    root.render(React.createElement(GraphiQL, {
      fetcher,
      storage: sessionStorage,
      defaultQuery: EXAMPLE,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      defaultEditorToolsVisibility: false,
      shouldPersistHeaders: false,
    }));
  }

  async function start(token) {
    try {
      if (await accepted(token)) {
        open(token);
        return;
      }
      sessionStorage.removeItem(TOKEN_KEY);
      askForToken('That token was not accepted.');
    } catch (error) {
      askForToken('Could not reach the service: ' + error.message);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = form.elements.token.value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    form.elements.token.value = '';
    start(token);
  });

  document.getElementById('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    askForToken('');
  });

  window.addEventListener('hashchange', () => {
    if (takeTokenFromAddress()) start(sessionStorage.getItem(TOKEN_KEY));
  });

  takeTokenFromAddress();
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) start(saved); else askForToken('');
})();
