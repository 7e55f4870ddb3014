/* Journey Graph tracking snippet.
 *
 * A site pastes the stub, then loads this file (calls made before it loads are queued):
 *
 *   <script>
 *     window.journey = window.journey || function () { (journey.q = journey.q || []).push(arguments); };
 *     journey('init', { deploymentId: 'default' });
 *   </script>
 *   <script async src="https://journey.example/sdk/journey.js"></script>
 *
 * Calls:
 *   journey('init', {deploymentId, endpoint?, searchParams?, autoPageview?})
 *   journey('pageview')                        automatic on load and on history changes
 *   journey('record', name, attributes, {icon}) a custom event; icon: one of the service's
 *                                              custom icons (cart, heart, star, mail…)
 *   journey('identify', {email, phone, externalId, traits, signatures: {email: '<hmac>'}})
 *   journey('logout')                          later events belong to a new anonymous visitor
 *   journey('form:track', selector, {fields: [names whose values may be sent]})
 *   journey('consent', false | true)
 *
 * Every event waits in localStorage until the service has answered for it, so a reload or
 * an outage loses nothing. An event keeps its id through every retry, and the service
 * stores an id once, so sending again never duplicates.
 */
(function () {
  'use strict';

  var stub = window.journey;
  if (stub && stub.loaded) return; // included twice: the first copy already runs

  var ID_KEY = 'jg_id';
  var QUEUE_KEY = 'jg_queue';
  var CONSENT_KEY = 'jg_consent';
  var ONE_YEAR_SECONDS = 365 * 24 * 3600;
  var BATCH_SIZE = 20;
  var FLUSH_DELAY_MS = 1000;
  var MAX_QUEUED = 500;
  var MAX_EVENT_AGE_MS = 55 * 60 * 1000; // the service rejects events older than an hour
  var MAX_BACKOFF_MS = 60 * 1000;
  var KEEPALIVE_LIMIT = 60 * 1024;
  var MAX_TITLE = 512;
  var MAX_QUERY = 256;
  var MAX_FIELD_VALUE = 256; // the service keeps no more of a form field
  var MAX_FORM_FIELDS = 50;
  var MAX_FORM_NAME = 100;
  var ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
  var SENSITIVE_FIELD = /pass|card|cc-?(num|number|csc|exp)|cvc|cvv|iban|ssn|secret/i;

  var scriptSrc = document.currentScript && document.currentScript.src;
  var config = null;
  var waitingForInit = [];
  var lastUrl = null;
  var timer = null;
  var timerDue = 0;
  var sending = false;
  var failures = 0;
  var retryAt = 0;
  var beaconed = {}; // ids sent by beacon from this page, so hiding twice sends once

  // ---- storage that falls back to memory where localStorage is blocked ----------------

  var memory = null;
  var storage = {
    get: function (key) {
      if (!memory) {
        try { return window.localStorage.getItem(key); } catch (e) { memory = {}; }
      }
      return key in memory ? memory[key] : null;
    },
    set: function (key, value) {
      if (!memory) {
        try { window.localStorage.setItem(key, value); return; } catch (e) { memory = {}; }
      }
      memory[key] = value;
    },
    remove: function (key) {
      if (!memory) {
        try { window.localStorage.removeItem(key); return; } catch (e) { memory = {}; }
      }
      delete memory[key];
    }
  };

  // ---- the persistent queue: storage is the source of truth, so tabs and reloads share it

  var queue = {
    read: function () {
      try { return JSON.parse(storage.get(QUEUE_KEY)) || []; } catch (e) { return []; }
    },
    write: function (entries) {
      if (entries.length) storage.set(QUEUE_KEY, JSON.stringify(entries.slice(-MAX_QUEUED)));
      else storage.remove(QUEUE_KEY);
    },
    add: function (entry) {
      var entries = queue.read();
      entries.push(entry);
      queue.write(entries);
      return entries.length;
    },
    remove: function (ids) {
      queue.write(queue.read().filter(function (entry) { return !(entry.event.id in ids); }));
    },
    // Batches in queue order. Each batch holds one browser id: after a logout the queue
    // holds events of the old id and of the new one, and each must go with its own.
    batches: function () {
      var oldest = Date.now() - MAX_EVENT_AGE_MS;
      var entries = queue.read();
      var fresh = entries.filter(function (entry) { return Date.parse(entry.event.occurredAt) > oldest; });
      if (fresh.length < entries.length) queue.write(fresh);
      var batches = [];
      var current = null;
      fresh.forEach(function (entry) {
        if (!current || current.body.cookieId !== entry.cookieId ||
            current.body.deploymentId !== entry.deploymentId || current.body.events.length >= BATCH_SIZE) {
          current = { ids: {}, body: { deploymentId: entry.deploymentId, cookieId: entry.cookieId, events: [] } };
          batches.push(current);
        }
        current.ids[entry.event.id] = true;
        current.body.events.push(entry.event);
      });
      return batches;
    }
  };

  // ---- identity of this browser ------------------------------------------------------

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // randomUUID exists only on https pages; getRandomValues exists everywhere.
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
  }

  function cookieValue() {
    var match = document.cookie.match(/(?:^|;\s*)jg_id=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  function saveBrowserId(id) {
    var secure = location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = 'jg_id=' + encodeURIComponent(id) + '; Max-Age=' + ONE_YEAR_SECONDS +
      '; Path=/; SameSite=Lax' + secure;
    storage.set(ID_KEY, id); // survives when the cookie is cleared or capped by the browser
  }

  function forgetBrowserId() {
    document.cookie = 'jg_id=; Max-Age=0; Path=/; SameSite=Lax';
    storage.remove(ID_KEY);
  }

  // Read on every event rather than cached: another tab may have logged out meanwhile.
  function browserId() {
    var id = cookieValue() || storage.get(ID_KEY);
    if (!id) {
      id = uuid();
      saveBrowserId(id);
    }
    return id;
  }

  function consented() {
    return storage.get(CONSENT_KEY) !== 'no';
  }

  // ---- recording -----------------------------------------------------------------------

  function track(type, fields) {
    if (!config || !consented()) return;
    var event = { id: uuid(), type: type, occurredAt: new Date().toISOString() };
    for (var key in fields) event[key] = fields[key];
    var queued = queue.add({ deploymentId: config.deploymentId, cookieId: browserId(), event: event });
    schedule(queued >= BATCH_SIZE ? 0 : FLUSH_DELAY_MS);
  }

  function isWebUrl(value) {
    return /^https?:\/\//i.test(value || '');
  }

  function pageview() {
    var url = location.href;
    // After a history change the previous page of this site is the referrer.
    var referrer = lastUrl || document.referrer;
    lastUrl = url;
    var fields = { page: { url: url, title: document.title.slice(0, MAX_TITLE) } };
    if (isWebUrl(referrer)) fields.referrer = referrer;
    track('pageview', fields);
    recordSearchFrom(url);
  }

  // The service derives searches from its own list of URL parameters; searchParams names
  // the site's other ones, so each search is recorded once.
  function recordSearchFrom(url) {
    var params = new URL(url).searchParams;
    for (var i = 0; i < config.searchParams.length; i++) {
      var term = (params.get(config.searchParams[i]) || '').trim();
      if (term) {
        track('search', { query: term.slice(0, MAX_QUERY) });
        return;
      }
    }
  }

  function onUrlChange() {
    if (location.href !== lastUrl) pageview();
  }

  function watchHistory() {
    ['pushState', 'replaceState'].forEach(function (method) {
      var original = history[method];
      history[method] = function () {
        var result = original.apply(this, arguments);
        onUrlChange();
        return result;
      };
    });
    window.addEventListener('popstate', onUrlChange);
  }

  // ---- forms ---------------------------------------------------------------------------

  var formRules = [];
  var typedForms = []; // forms typed in and not yet submitted

  function ruleFor(target) {
    var form = target && (target.form || (target.closest && target.closest('form')));
    if (!form) return null;
    for (var i = 0; i < formRules.length; i++) {
      if (form.matches(formRules[i].selector)) return { form: form, rule: formRules[i] };
    }
    return null;
  }

  function isSensitive(field) {
    return field.type === 'password' || /^cc-/.test(field.autocomplete || '') ||
      SENSITIVE_FIELD.test(field.name);
  }

  // Only fields the site allowed by name, never passwords or card details even if allowed.
  // (The service filters again with the deployment's own allow-list.)
  function formEvent(form, rule) {
    var fields = {};
    var count = 0;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || rule.fields.indexOf(field.name) < 0 || isSensitive(field)) return;
      if (!ATTRIBUTE_NAME.test(field.name) || count >= MAX_FORM_FIELDS) return;
      if ((field.type === 'checkbox' || field.type === 'radio') && !field.checked) return;
      fields[field.name] = String(field.value).slice(0, MAX_FIELD_VALUE);
      count++;
    });
    var formName = form.id || form.getAttribute('name') || rule.selector;
    return { formName: formName.slice(0, MAX_FORM_NAME), fields: fields };
  }

  function trackForms(selector, options) {
    document.querySelectorAll(selector); // a bad selector fails here, not on every keystroke
    formRules.push({ selector: selector, fields: (options && options.fields) || [] });
  }

  function onFormInput(event) {
    var hit = ruleFor(event.target);
    if (hit && typedForms.indexOf(hit.form) < 0) typedForms.push(hit.form);
  }

  function onFormSubmit(event) {
    var hit = ruleFor(event.target);
    if (!hit || !config) return;
    typedForms = typedForms.filter(function (form) { return form !== hit.form; });
    track('form_submitted', formEvent(hit.form, hit.rule));
  }

  function recordAbandonedForms() {
    typedForms.forEach(function (form) {
      var hit = ruleFor(form);
      if (hit) track('form_abandoned', formEvent(form, hit.rule));
    });
    typedForms = [];
  }

  // ---- delivery --------------------------------------------------------------------------

  function schedule(delayMs) {
    var due = Math.max(Date.now() + delayMs, retryAt);
    if (timer && timerDue <= due) return;
    clearTimeout(timer);
    timerDue = due;
    timer = setTimeout(function () { timer = null; flush(); }, due - Date.now());
  }

  function retryAfterMs(header) {
    if (!header) return 0;
    var seconds = Number(header);
    if (!isNaN(seconds)) return seconds * 1000;
    var date = Date.parse(header);
    return isNaN(date) ? 0 : date - Date.now();
  }

  // Exponential back-off with jitter, so many browsers coming back after an outage do
  // not all retry at the same moment; never sooner than the service asked.
  function backoffMs(retryAfterHeader) {
    failures++;
    var ceiling = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, failures - 1));
    return Math.max(ceiling / 2 + Math.random() * ceiling / 2, retryAfterMs(retryAfterHeader));
  }

  function flush() {
    if (sending || !config || !consented()) return;
    var batch = queue.batches()[0];
    if (!batch) return;
    sending = true;
    var body = JSON.stringify(batch.body);
    fetch(config.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body,
      // keepalive lets the request finish after the page has gone, but browsers refuse
      // keepalive bodies over 64 KiB; a rare huge batch goes without it.
      keepalive: body.length < KEEPALIVE_LIMIT,
      credentials: 'omit'
    }).then(function (response) {
      if (response.status === 429 || response.status >= 500) return backoffMs(response.headers.get('Retry-After'));
      // Accepted, duplicate and rejected events are all answered: none is sent again.
      // A refused batch (4xx) would be refused again, so it is dropped too.
      if (!response.ok) console.warn('journey: the service refused a batch (' + response.status + ')');
      queue.remove(batch.ids);
      failures = 0;
      return 0;
    }).catch(function () {
      return backoffMs(null); // the network failed: the service may never have seen it
    }).then(function (delayMs) {
      sending = false;
      retryAt = delayMs ? Date.now() + delayMs : 0;
      if (queue.batches().length) schedule(0);
    });
  }

  // The page is going away or out of sight: a beacon is delivered even after unload. The
  // events stay queued until a fetch is answered; a beacon's fate is unknown, and the
  // service recognises an event it already has.
  function sendByBeacon() {
    if (!config || !consented() || !navigator.sendBeacon) return;
    queue.batches().forEach(function (batch) {
      var events = batch.body.events.filter(function (event) { return !beaconed[event.id]; });
      if (!events.length) return;
      var body = JSON.stringify({ deploymentId: batch.body.deploymentId, cookieId: batch.body.cookieId, events: events });
      if (navigator.sendBeacon(config.endpoint, body)) {
        events.forEach(function (event) { beaconed[event.id] = true; });
      }
    });
  }

  function listen() {
    window.addEventListener('pagehide', function () {
      recordAbandonedForms();
      sendByBeacon();
    });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'hidden') sendByBeacon();
      else schedule(0);
    });
    window.addEventListener('online', function () {
      failures = 0;
      retryAt = 0;
      schedule(0);
    });
  }

  // ---- commands ------------------------------------------------------------------------

  var commands = {
    init: function (options) {
      if (config) return; // once per page
      if (!options || !options.deploymentId) {
        console.warn('journey: init needs a deploymentId');
        return;
      }
      config = {
        deploymentId: String(options.deploymentId),
        endpoint: options.endpoint || new URL('/collect', scriptSrc || location.href).href,
        searchParams: options.searchParams || [],
        autoPageview: options.autoPageview !== false
      };
      listen();
      if (queue.batches().length) schedule(0); // events an earlier page could not deliver
      if (config.autoPageview) {
        watchHistory();
        pageview();
      }
      waitingForInit.splice(0).forEach(function (args) { journey.apply(null, args); });
    },

    pageview: pageview,

    record: function (name, attributes, options) {
      var fields = { name: String(name), attributes: attributes || {} };
      if (options && options.icon) fields.icon = String(options.icon);
      track('custom', fields);
    },

    identify: function (person) {
      person = person || {};
      var traits = {};
      for (var key in person.traits) traits[key] = person.traits[key];
      ['email', 'phone', 'externalId'].forEach(function (key) {
        if (person[key]) traits[key] = String(person[key]);
      });
      var fields = { traits: traits };
      // Signatures come from the site's own server (HMAC-SHA256 of each value, made with the
      // deployment's identity secret); a deployment verifying identities believes only those.
      if (person.signatures) {
        fields.signatures = {};
        ['email', 'phone', 'externalId'].forEach(function (key) {
          if (person.signatures[key]) fields.signatures[key] = String(person.signatures[key]);
        });
      }
      track('identify', fields);
    },

    logout: function () {
      track('logout', {});
      // The queued logout keeps the old id; everything after it starts a new visitor.
      saveBrowserId(uuid());
    },

    'form:track': trackForms,

    // Opting out drops what is queued and forgets this browser's id.
    consent: function (granted) {
      var wasGranted = consented();
      storage.set(CONSENT_KEY, granted === false ? 'no' : 'yes');
      if (granted === false) {
        queue.write([]);
        forgetBrowserId();
        clearTimeout(timer);
        timer = null;
      } else if (!wasGranted && config && config.autoPageview) {
        lastUrl = null;
        pageview(); // the journey starts on the page where consent was given
      }
    }
  };

  // Commands that record need init first; they wait for it in call order.
  var NEEDS_INIT = { pageview: 1, record: 1, identify: 1, logout: 1 };

  function journey(command) {
    var args = Array.prototype.slice.call(arguments, 1);
    if (NEEDS_INIT[command] && !config) {
      waitingForInit.push(arguments);
      return;
    }
    if (!commands.hasOwnProperty(command)) {
      console.warn('journey: unknown command ' + command);
      return;
    }
    try {
      commands[command].apply(null, args);
    } catch (error) {
      console.warn('journey:', error); // tracking must never break the page
    }
  }

  journey.loaded = true;
  window.journey = journey;
  document.addEventListener('input', onFormInput, true);
  document.addEventListener('submit', onFormSubmit, true);
  ((stub && stub.q) || []).forEach(function (args) { journey.apply(null, args); });
})();
