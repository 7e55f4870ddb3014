import { auditServer } from 'graphql-http';
const url = process.argv[2];
const token = process.env.TOKEN;
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
let ok = 0;
for (const r of results) {
  if (r.status === 'ok') ok++;
  else console.log(`${r.status.toUpperCase()} ${r.id} ${r.name}: ${r.reason}`);
}
console.log(`${ok}/${results.length} pass`);
process.exit(ok === results.length ? 0 : 1);
