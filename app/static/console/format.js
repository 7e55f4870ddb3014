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
