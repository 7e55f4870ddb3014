// Pushes and query answers can arrive in either order; this decides which copy of a
// session is the newer one.

/** Events only accumulate and INACTIVE is final, so the copy with more events, or at equal
 * count the INACTIVE one, is the newer. */
export function fresher(current, incoming) {
  if (!current) return incoming;
  if (incoming.eventCount !== undefined && current.eventCount !== undefined &&
      incoming.eventCount !== current.eventCount) {
    return incoming.eventCount > current.eventCount ? incoming : current;
  }
  if (current.status === 'INACTIVE' && incoming.status !== 'INACTIVE') return current;
  return incoming;
}

export function newestFirst(sessions) {
  return [...sessions].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? 1 : -1));
}
