// Every GraphQL document the console sends, in one place.

// Outcome bars: progress toward each outcome, why, and what the figure comes from.
const OUTCOMES = `outcomes { outcome { id name } probability quantile achieved source
  factors { label contribution } }`;

const SEGMENTS = `segments { segment { id name color } assignedAt }`;

const SESSION = `
  id status startedAt lastActivityAt pageviewCount eventCount
  customer { id }
  lastPage { url title }
  searches { query occurredAt }
  ${SEGMENTS}
  ${OUTCOMES}`;

// A key with journey:visit:view alone may list visits but not read who is behind them.
const visitor = (withCustomer) => `
  id status startedAt lastActivityAt pageviewCount eventCount
  lastPage { url title }
  ${withCustomer ? 'customer { id traits }' : ''}`;

const JOURNEY_EVENT = `
  id kind icon occurredAt name page { url title } query attributes
  segment { name color }
  engagement { mediaType state actionName responseSeconds }
  form { name fields }`;

const PROFILE = `id identified traits identities { type value } ${SEGMENTS}`;

export const JOURNEY_ICONS = `query Legend { journeyIcons { name description } }`;

export const VIEWER = `query Viewer { viewer { name permissions } }`;

export const liveVisitors = (withCustomer) => `query LiveNow {
  liveVisitors(first: 100) { nodes { ${visitor(withCustomer)} } }
}`;

export const liveVisitorChanges = (withCustomer) => `subscription LiveNowChanges {
  liveVisitors { kind session { ${visitor(withCustomer)} } }
}`;

export const CUSTOMER = `query Customer($id: ID!) {
  customer(id: $id) {
    ${PROFILE}
    summary { status pageviewsThisSession }
    sessions(first: 50) { nodes { ${SESSION} } }
  }
}`;

// Identify events change a customer's traits and identities; pushes carry sessions only.
export const CUSTOMER_PROFILE = `query CustomerProfile($id: ID!) {
  customer(id: $id) { ${PROFILE} }
}`;

export const SESSION_CARD_CHANGES = `subscription SessionCards($customerId: ID!) {
  sessionCards(customerId: $customerId) { kind session { ${SESSION} } }
}`;

export const JOURNEY = `query Journey($id: ID!, $after: String) {
  session(id: $id) {
    id
    journey(first: 500, after: $after) { nodes { ${JOURNEY_EVENT} } pageInfo { hasNextPage endCursor } }
  }
}`;

export const JOURNEY_ITEMS = `subscription JourneyMap($sessionId: ID!) {
  journeyMap(sessionId: $sessionId) { ${JOURNEY_EVENT} }
}`;
