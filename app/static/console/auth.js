// The access token lives in sessionStorage: it goes away with the tab, never into a cookie.

const KEY = 'journey-console-token';

/** A `#token=...` in the address wins (handy for links and tests); it is then removed
 * from the address so it does not linger in history or screenshots. */
export function takeTokenFromAddress() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (token) {
    saveToken(token);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  }
}

export function savedToken() {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token) {
  sessionStorage.setItem(KEY, token.trim());
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}
