import { html, api, query, useLoad, useState, useEffect, useRef, Loading, Badge, Table, when, ErrorNote, Field, Action, vendors } from '../lib.js';

const SHOWN = 200;
const POLL_MS = 2000;

function toIso(local) {
  return local ? new Date(local).toISOString() : undefined;
}

const SEARCH_FORMS = 'a JSON object such as {"data":{"session_id":"…"}}, or a path and a value such as data.session_id=…';

/**
 * The `payload` search of what the operator typed: a JSON object as is, or `a.b.c=value` made one
 * (the value as JSON when it is, such as 42 or true; text otherwise, "quoted" to keep digits text).
 * `{ error }` when it is neither.
 */
export function payloadSearch(text) {
  const typed = text.trim();
  if (!typed) return { value: '' };
  if (typed.startsWith('{')) {
    try {
      const parsed = JSON.parse(typed);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { value: typed };
    } catch {
      // told below
    }
    return { error: `The search is not a JSON object: write ${SEARCH_FORMS}.` };
  }
  const match = /^([^=\s]+)=(.*)$/s.exec(typed);
  const path = match?.[1].split('.');
  if (!match || path.some((key) => key === '')) return { error: `The search is not understood: write ${SEARCH_FORMS}.` };
  let value;
  try {
    value = JSON.parse(match[2]);
  } catch {
    value = match[2];
  }
  return { value: JSON.stringify(path.reduceRight((inner, key) => ({ [key]: inner }), value)) };
}

/** The event feed: filters, then a live tail that follows the feed's cursor (GET /api/events). */
export function EventsScreen({ initial = {} }) {
  const [names, setNames] = useState([]);
  const [form, setForm] = useState({ vendor: '', subscriptionId: '', eventType: '', status: '', isTest: '', since: '', until: '', payload: '', ...initial });
  const [filters, setFilters] = useState(form);
  const [events, setEvents] = useState([]);
  const [live, setLive] = useState(true);
  const [error, setError] = useState(null);
  const [searchError, setSearchError] = useState(null);
  const [caughtUp, setCaughtUp] = useState(false);
  const cursor = useRef(null);
  useEffect(() => {
    vendors().then(setNames);
  }, []);
  useEffect(() => {
    let stopped = false;
    let timer;
    cursor.current = null;
    setEvents([]);
    setCaughtUp(false);
    setError(null);
    const params = {
      vendor: filters.vendor, subscriptionId: filters.subscriptionId, eventType: filters.eventType, status: filters.status, isTest: filters.isTest,
      payload: payloadSearch(filters.payload ?? '').value,
      // Without a start, the last 24 hours: the feed runs oldest first, so it starts somewhere recent. A search looks at every event.
      since: toIso(filters.since) ?? (filters.payload?.trim() ? undefined : new Date(Date.now() - 86_400_000).toISOString()),
      until: toIso(filters.until),
    };
    const step = async () => {
      try {
        const page = await api('GET', `/events${query({ ...params, limit: 500, cursor: cursor.current })}`);
        if (stopped) return;
        cursor.current = page.nextCursor;
        if (page.data.length) setEvents((shown) => [...page.data.reverse(), ...shown].slice(0, SHOWN));
        if (page.hasMore) return step();
        setCaughtUp(true);
        if (live && !params.until) timer = setTimeout(step, POLL_MS);
      } catch (failure) {
        if (!stopped) setError(failure);
      }
    };
    step();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [filters, live]);
  const input = (name) => (event) => setForm({ ...form, [name]: event.target.value });
  const apply = (event) => {
    event.preventDefault();
    const search = payloadSearch(form.payload);
    setSearchError(search.error ?? null);
    if (!search.error) setFilters({ ...form });
  };
  return html`<h1>Events</h1>
    <form class="filters" onSubmit=${apply} aria-label="Filters">
      <${Field} label="Vendor"><select value=${form.vendor} onChange=${input('vendor')}><option value="">any</option>${names.map((name) => html`<option value=${name}>${name}</option>`)}</select><//>
      <${Field} label="Subscription id"><input value=${form.subscriptionId} onInput=${input('subscriptionId')} placeholder="uuid" /><//>
      <${Field} label="Type"><input value=${form.eventType} onInput=${input('eventType')} /><//>
      <${Field} label="Status"><select value=${form.status} onChange=${input('status')}><option value="">any</option><option value="accepted">accepted</option><option value="quarantined">quarantined</option></select><//>
      <${Field} label="Test events"><select value=${form.isTest} onChange=${input('isTest')}><option value="">included</option><option value="false">left out</option><option value="true">only</option></select><//>
      <${Field} label="Payload contains" hint="JSON object, or path=value"><input id="payload-search" type="search" value=${form.payload} onInput=${input('payload')} placeholder='{"data":{"session_id":"…"}} or data.session_id=…' aria-invalid=${searchError ? 'true' : 'false'} aria-describedby="payload-search-error" /><//>
      <${Field} label="Since" hint="Default: 24 hours ago (all time when searching)"><input type="datetime-local" value=${form.since} onInput=${input('since')} /><//>
      <${Field} label="Until"><input type="datetime-local" value=${form.until} onInput=${input('until')} /><//>
      <button type="submit">Apply</button>
      <label class="check"><input type="checkbox" checked=${live} onChange=${(event) => setLive(event.target.checked)} /> Live tail</label>
    </form>
    <p id="payload-search-error" class="error" role="alert" hidden=${!searchError}>${searchError}</p>
    <${ErrorNote} error=${error} />
    <p class="muted" aria-live="polite">${caughtUp ? (live && !filters.until ? `Following the feed: new events appear at the top (every ${POLL_MS / 1000} s).` : 'Up to date.') : 'Reading the feed…'} Newest first; the latest ${SHOWN} shown.</p>
    <${Table} head=${['Received', 'Vendor', 'Type', 'Status', 'Subscription']}
      empty=${html`<p>No events match. Subscriptions receive events once registered at their vendor; <a href="#/overview">send a test event</a> from a subscription's page to see one arrive here.</p>`}
      rows=${events.map((event) => html`<tr class="event-row">
        <td><a href=${`#/events/${event.id}`}>${when(event.receivedAt)}</a></td>
        <td>${event.vendor}</td>
        <td>${event.eventType ?? '—'}${event.isTest ? html` <span class="badge badge-plain">test</span>` : ''}</td>
        <td><${Badge} status=${event.status} /></td>
        <td>${event.subscriptionId ? html`<a href=${`#/subscriptions/${event.subscriptionId}`}>${event.subscriptionId.slice(0, 8)}</a>` : 'deleted'}</td>
      </tr>`)} />`;
}

/** The raw body as text when it is UTF-8, else as hex. */
function rawBody(base64) {
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  try {
    return { kind: 'text', value: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { kind: 'hex', value: Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ') };
  }
}

/** Deliveries of an event (each naming its destination) or of one destination (`showDestination` false). */
export function DeliveryList({ deliveries, onChange, showDestination = true }) {
  const head = ['Delivery', ...(showDestination ? ['Destination'] : []), 'State', 'Attempts', 'Last status', 'Last error', 'Next attempt', ''];
  return html`<${Table} head=${head}
    empty=${html`<p>No deliveries. Events are pushed to <a href="#/destinations">destinations</a> whose filter matches them.</p>`}
    rows=${deliveries.map((delivery) => html`<${DeliveryRow} key=${delivery.id} delivery=${delivery} onChange=${onChange} showDestination=${showDestination} columns=${head.length} />`)} />`;
}

/** Retry is for a delivery that gave up (failed) or was cancelled: a pending one is retried already, a delivered one arrived. */
const canRetry = (delivery) => delivery.state === 'failed' || delivery.state === 'cancelled';
/** Only a pending delivery can be cancelled (a retry brings it back). */
const canCancel = (delivery) => delivery.state === 'pending';

function DeliveryRow({ delivery, onChange, showDestination, columns }) {
  const [log, setLog] = useState(null);
  const [error, setError] = useState(null);
  const toggle = async () => {
    if (log) return setLog(null);
    try {
      setLog((await api('GET', `/deliveries/${delivery.id}`)).attemptLog);
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<tr class="delivery-row">
      <td><a href=${`#/events/${delivery.eventId}`}>event ${delivery.eventId}</a></td>
      ${showDestination && html`<td class="destination">${delivery.destination.deleted
        ? html`${delivery.destination.name} <span class="badge badge-plain">deleted</span>`
        : html`<a href=${`#/destinations/${delivery.destination.id}`} title=${delivery.destination.url}>${delivery.destination.name}</a>`}</td>`}
      <td><${Badge} status=${delivery.state} /></td>
      <td class="num">${delivery.attempts}${delivery.throttles ? html` <span class="muted" title="Answers 429 or 503 with Retry-After: not counted as attempts">+${delivery.throttles} throttled</span>` : ''}</td>
      <td class="num">${delivery.lastStatusCode ?? '—'}</td>
      <td>${delivery.lastError ?? ''}</td>
      <td>${delivery.state === 'pending' ? when(delivery.nextAttemptAt) : delivery.deliveredAt ? `delivered ${when(delivery.deliveredAt)}` : '—'}</td>
      <td><div class="actions">
        <button type="button" class="small" aria-expanded=${Boolean(log)} onClick=${toggle}>${log ? 'Hide attempts' : 'Attempts'}</button>
        ${canRetry(delivery) && html`<${Action} label="Retry" kind="small" run=${async () => { await api('POST', `/deliveries/${delivery.id}/retry`); onChange(); }} />`}
        ${canCancel(delivery) && html`<${Action} label="Cancel" kind="small" run=${async () => { await api('POST', `/deliveries/${delivery.id}/cancel`); onChange(); }} />`}
      </div></td>
    </tr>
    ${error && html`<tr><td colspan=${columns}><${ErrorNote} error=${error} /></td></tr>`}
    ${log && html`<tr class="attempts"><td colspan=${columns}>${log.length === 0 ? html`<p>No attempt yet.</p>` : html`<ol class="attempt-log">${log.map((attempt) => html`<li class="attempt">
      <strong>${when(attempt.at)}</strong>: ${attempt.statusCode ?? 'no answer'}${attempt.throttled ? ' (throttled)' : ''} in ${attempt.durationMs} ms${attempt.error ? html` — <span class="error-text">${attempt.error}</span>` : ''}
      ${attempt.responseBody ? html`<pre class="small-pre">${attempt.responseBody}</pre>` : ''}</li>`)}</ol>`}</td></tr>`}`;
}

export function EventScreen({ id }) {
  const state = useLoad(async () => {
    const [event, deliveries] = await Promise.all([api('GET', `/events/${id}`), api('GET', `/deliveries?eventId=${id}&limit=100`)]);
    return { event, deliveries: deliveries.data };
  }, [id]);
  return html`<p><a href="#/events">← Events</a></p><${Loading} state=${state}>${() => {
    const { event, deliveries } = state.data;
    const raw = rawBody(event.rawBody);
    return html`<h1>Event ${event.id} <${Badge} status=${event.status} /></h1>
      <dl class="props">
        <dt>Vendor</dt><dd>${event.vendor}</dd>
        <dt>Type</dt><dd>${event.eventType ?? '—'}</dd>
        <dt>Subscription</dt><dd>${event.subscriptionId ? html`<a href=${`#/subscriptions/${event.subscriptionId}`}><code>${event.subscriptionId}</code></a>` : 'deleted'}</dd>
        <dt>Received</dt><dd>${when(event.receivedAt)}</dd>
        <dt>Occurred</dt><dd>${when(event.occurredAt)}</dd>
        <dt>Dedupe key</dt><dd><code>${event.dedupeKey}</code></dd>
        <dt>Test event</dt><dd>${event.isTest ? 'yes' : 'no'}</dd>
      </dl>
      ${event.validationErrors?.length > 0 && html`<section class="card warn" aria-labelledby="validation-title"><h2 id="validation-title">Validation errors</h2>
        <p>Authentic, but not the vendor's documented shape: kept as quarantined.</p>
        <ul class="validation-errors">${event.validationErrors.map((problem) => html`<li>${problem}</li>`)}</ul></section>`}
      <section><h2>Payload</h2><pre class="payload">${JSON.stringify(event.payload, null, 2)}</pre></section>
      <section><h2>Raw body (${raw.kind === 'text' ? 'UTF-8 text' : 'hex: not UTF-8'})</h2><pre class="raw">${raw.value}</pre></section>
      <section><h2>Headers</h2><pre>${Object.entries(event.headers).map(([name, value]) => `${name}: ${value}`).join('\n')}</pre></section>
      <section><h2>Deliveries</h2><${DeliveryList} deliveries=${deliveries} onChange=${state.reload} /></section>`;
  }}<//>`;
}
