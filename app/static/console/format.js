// How times, durations, pages and visitors read on screen.

export function duration(milliseconds) {
  const total = Math.max(0, Math.round(milliseconds / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min ${seconds} s`;
  return `${seconds} s`;
}

export function clockTime(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function dayAndTime(iso) {
  const moment = new Date(iso);
  const today = new Date().toDateString() === moment.toDateString();
  const day = today ? 'Today' : moment.toLocaleDateString();
  return `${day} ${moment.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
}

export function pageLabel(page) {
  if (!page) return '—';
  if (page.title) return page.title;
  try {
    return new URL(page.url).pathname;
  } catch {
    return page.url;
  }
}

export function visitorName(customer) {
  const traits = customer?.traits || {};
  return traits.name || traits.email || `Visitor ${(customer?.id || '').slice(-6)}`;
}

/** `key: value, ...` for flat objects; empty values are left out. */
export function attributeText(attributes) {
  return Object.entries(attributes || {})
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(', ');
}

const IDENTITY_LABELS = { EMAIL: 'Email', PHONE: 'Phone', EXTERNAL_ID: 'Customer number', COOKIE: 'Browser id' };

/** "Email" for EMAIL: how an identity type reads in a profile. */
export function identityLabel(type) {
  return IDENTITY_LABELS[type] || sentence(type.toLowerCase().replaceAll('_', ' '));
}

/** "American English" for en-US, in the agent's own language. */
export function languageName(tag) {
  try {
    return new Intl.DisplayNames([navigator.language, 'en'], { type: 'language' }).of(tag) || tag;
  } catch {
    return tag; // not a language tag the browser knows
  }
}

function sentence(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

/** "externalId" and "plan_tier" read as "External id" and "Plan tier". */
function traitLabel(key) {
  return sentence(key.replace(/([a-z])([A-Z])/g, '$1 $2').replaceAll('_', ' ').toLowerCase());
}

// "124.0" is version 124; "17.4" stays as it is.
const shortVersion = (version) => String(version).replace(/(\.0)+$/, '');

const joined = (...parts) => parts.filter(Boolean).join(' ');

/** A customer's traits as profile rows [label, text]: the latest visit's browser, language,
 * device and place first, then what the customer told (name, plan…). */
export function profileRows(traits) {
  const { browser, device, geolocation, ...told } = traits || {};
  const rows = [];
  if (browser?.family) rows.push(['Browser', joined(browser.family, browser.version && shortVersion(browser.version))]);
  if (browser?.lang) rows.push(['Language', languageName(browser.lang)]);
  if (device?.category) {
    const system = joined(device.osFamily, device.osVersion && shortVersion(device.osVersion));
    rows.push(['Device', [sentence(device.category), system].filter(Boolean).join(' · ')]);
  }
  const place = [geolocation?.locality, geolocation?.region, geolocation?.countryName || geolocation?.country];
  if (place.some(Boolean)) rows.push(['Location', place.filter(Boolean).join(', ')]);
  for (const [key, value] of Object.entries(told)) {
    const text = value && typeof value === 'object' ? attributeText(value) : String(value ?? '');
    if (text) rows.push([traitLabel(key), text]);
  }
  return rows;
}

export function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

/** Elements with data-since show the time elapsed since then, kept current every second. */
export function keepDurationsTicking(root) {
  const tick = () => {
    for (const element of root.querySelectorAll('[data-since]')) {
      element.textContent = duration(Date.now() - Date.parse(element.dataset.since));
    }
  };
  tick();
  return setInterval(tick, 1000);
}
