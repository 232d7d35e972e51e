import { html, api, query, useLoad, useState, Loading, Badge, Table, when, age, ErrorNote, SecretOnce, Action, Field, list, Health, healthSummary, DangerZone } from '../lib.js';
import { DeliveryList } from './events.js';

function FilterFields({ value, onChange }) {
  const set = (name, transform = (input) => input) => (event) => onChange({ ...value, [name]: transform(event.target.type === 'checkbox' ? event.target.checked : event.target.value) });
  return html`
    <${Field} label="Vendors" hint="Comma-separated; empty: any"><input value=${(value.vendors ?? []).join(', ')} onChange=${set('vendors', list)} /><//>
    <${Field} label="Event types" hint="Comma-separated; empty: any"><input value=${(value.eventTypes ?? []).join(', ')} onChange=${set('eventTypes', list)} /><//>
    <${Field} label="Subscription ids" hint="Comma-separated; empty: any"><input value=${(value.subscriptionIds ?? []).join(', ')} onChange=${set('subscriptionIds', list)} /><//>
    <label class="check"><input type="checkbox" checked=${(value.statuses ?? ['accepted']).includes('quarantined')} onChange=${(event) => onChange({ ...value, statuses: event.target.checked ? ['accepted', 'quarantined'] : ['accepted'] })} /> Quarantined events too</label>
    <label class="check"><input type="checkbox" checked=${Boolean(value.includeTest)} onChange=${set('includeTest')} /> Test events too</label>`;
}

/** Empty lists mean "any": leave them out rather than sending a filter that matches nothing. */
function cleanFilter(filter) {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => !(Array.isArray(value) && value.length === 0)));
}

function CreateDestination({ onCreated }) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [filter, setFilter] = useState({});
  const [error, setError] = useState(null);
  const [created, setCreated] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      setCreated(await api('POST', '/destinations', { name, url, filter: cleanFilter(filter) }));
      setName('');
      setUrl('');
      onCreated();
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<section class="card" aria-labelledby="create-destination"><h2 id="create-destination">Add a destination</h2>
    <form class="inline" onSubmit=${submit}>
      <${Field} label="Name"><input id="dest-name" required value=${name} onInput=${(event) => setName(event.target.value)} /><//>
      <${Field} label="URL" hint="The internal service that receives matching events"><input id="dest-url" type="url" required value=${url} onInput=${(event) => setUrl(event.target.value)} /><//>
      <${FilterFields} value=${filter} onChange=${setFilter} />
      <button type="submit">Add</button>
    </form>
    <${ErrorNote} error=${error} />
    ${created && html`<p>Added <a href=${`#/destinations/${created.id}`}>${created.name}</a>. Give the consumer this secret to verify each request (Standard Webhooks).</p><${SecretOnce} label="Signing secret" value=${created.signingSecret} />`}
  </section>`;
}

export function DestinationsScreen() {
  const state = useLoad(() => api('GET', '/destinations?limit=500'), []);
  return html`<h1>Destinations</h1><${Loading} state=${state}>${() => html`
    <${Table} head=${['Name', 'URL', 'Health', 'Backlog', 'Oldest pending']}
      empty=${html`<p><strong>No destinations yet</strong>: add one below, and the gateway pushes each matching event to it, signed and retried until it answers 2xx.</p>`}
      rows=${state.data.data.map((destination) => html`<tr>
        <td><a href=${`#/destinations/${destination.id}`}>${destination.name}</a></td>
        <td><code>${destination.url}</code></td>
        <td class="health"><${Health} destination=${destination} /></td>
        <td class="num">${destination.backlog}</td>
        <td>${age(destination.oldestPendingAt)}</td></tr>`)} />
    <${CreateDestination} onCreated=${state.reload} />`}<//>`;
}

/** Saving a destination's settings (PATCH): whether the last save went through, and its error. */
function usePatch(destination, onDone) {
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  const save = async (changes) => {
    setError(null);
    setSaved(false);
    if (Object.keys(changes).length === 0) return setSaved(true);
    try {
      await api('PATCH', `/destinations/${destination.id}`, changes);
      setSaved(true);
      onDone();
    } catch (failure) {
      setError(failure);
    }
  };
  return { error, saved, setSaved, save };
}

function EditFilter({ destination, onDone }) {
  const [filter, setFilter] = useState(destination.filter ?? {});
  const { error, saved, save } = usePatch(destination, onDone);
  const submit = (event) => {
    event.preventDefault();
    return save({ filter: cleanFilter(filter) });
  };
  return html`<form class="inline" onSubmit=${submit} aria-label="Filter"><${FilterFields} value=${filter} onChange=${setFilter} /><button type="submit">Save filter</button>${saved ? html`<span role="status">Saved.</span>` : ''}<${ErrorNote} error=${error} /></form>`;
}

/** Name and URL (PATCH). Static headers stay with the URL they were given for: a new URL needs them given again, or none. */
function EditDestination({ destination, onDone }) {
  const [name, setName] = useState(destination.name);
  const [url, setUrl] = useState(destination.url);
  const [dropHeaders, setDropHeaders] = useState(false);
  const { error, saved, setSaved, save } = usePatch(destination, onDone);
  const movesAway = destination.headerNames.length > 0 && url !== destination.url;
  const submit = (event) => {
    event.preventDefault();
    const changes = {};
    if (name !== destination.name) changes.name = name;
    if (url !== destination.url) changes.url = url;
    if (movesAway && dropHeaders) changes.headers = {};
    return save(changes);
  };
  return html`<form class="inline" onSubmit=${submit} aria-label="Name and URL">
    <${Field} label="Name"><input id="edit-name" required maxlength="200" value=${name} onInput=${(event) => { setName(event.target.value); setSaved(false); }} /><//>
    <${Field} label="URL" hint="Events not yet delivered go to the new URL"><input id="edit-url" class="wide" type="url" required value=${url} onInput=${(event) => { setUrl(event.target.value); setSaved(false); }} /><//>
    ${movesAway && html`<label class="check"><input type="checkbox" checked=${dropHeaders} onChange=${(event) => setDropHeaders(event.target.checked)} /> Send no static headers (${destination.headerNames.join(', ')}) to the new URL: they were given for the current one (give new ones with the API)</label>`}
    <button type="submit">Save</button>${saved ? html`<span role="status">Saved.</span>` : ''}
    <${ErrorNote} error=${error} />
  </form>`;
}

/**
 * Events chosen by the replay fields, counted first: `replay` sends them again, `cancel` ends the
 * destination's pending deliveries of them. The count is the confirmation.
 */
function ByEvents({ id, onDone, action }) {
  const words = action === 'replay'
    ? { label: 'Replay', counted: (n) => `${n} event${n === 1 ? '' : 's'} would be sent again.`, done: (n) => `Queued ${n} again.` }
    : { label: 'Cancel', counted: (n) => `${n} pending deliver${n === 1 ? 'y' : 'ies'} would be cancelled.`, done: (n) => `Cancelled ${n}.` };
  const [form, setForm] = useState({ vendor: '', eventType: '', status: '', since: '', until: '' });
  const [count, setCount] = useState(null);
  const [done, setDone] = useState(null);
  const [error, setError] = useState(null);
  const body = () => Object.fromEntries(Object.entries(form).filter(([, value]) => value).map(([name, value]) => [name, name === 'since' || name === 'until' ? new Date(value).toISOString() : value]));
  const dryRun = async (event) => {
    event.preventDefault();
    setError(null);
    setDone(null);
    try {
      setCount((await api('POST', `/destinations/${id}/${action}`, { ...body(), dryRun: true })).count);
    } catch (failure) {
      setError(failure);
    }
  };
  const input = (name) => (event) => {
    setForm({ ...form, [name]: event.target.value });
    setCount(null);
  };
  return html`<form class="inline" onSubmit=${dryRun} aria-label=${words.label}>
    <${Field} label="Vendor"><input value=${form.vendor} onInput=${input('vendor')} /><//>
    <${Field} label="Type"><input value=${form.eventType} onInput=${input('eventType')} /><//>
    <${Field} label="Status"><select value=${form.status} onChange=${input('status')}><option value="">any</option><option value="accepted">accepted</option><option value="quarantined">quarantined</option></select><//>
    <${Field} label="Since"><input type="datetime-local" value=${form.since} onInput=${input('since')} /><//>
    <${Field} label="Until"><input type="datetime-local" value=${form.until} onInput=${input('until')} /><//>
    <button type="submit">Count</button>
    ${count !== null && html`<span class="confirm" role="status">${words.counted(count)}
      ${count > 0 && html`<${Action} label=${`${words.label} ${count}`} run=${async () => { setDone((await api('POST', `/destinations/${id}/${action}`, body())).count); setCount(null); onDone(); }} />`}</span>`}
    ${done !== null && html`<span role="status">${words.done(done)}</span>`}
    <${ErrorNote} error=${error} />
  </form>`;
}

/**
 * With ordering `subscription`: each subscription's first pending delivery that was tried and not
 * delivered, holding back the rest. Cancel skips it (the next event goes); Retry tries it now.
 */
function BlockedHeads({ heads, onDone }) {
  return html`<${Table}
    head=${['Subscription', 'Event', 'Holding since', 'Attempts', 'Last answer', 'Next attempt', '']}
    empty="No subscription is held back: each one's next event goes when due."
    rows=${heads.map((head) => html`<tr data-delivery=${head.deliveryId}>
      <td>${head.subscriptionId ? html`<a href=${`#/subscriptions/${head.subscriptionId}`}>${head.subscriptionId.slice(0, 8)}</a>` : '—'}</td>
      <td><a href=${`#/events/${head.eventId}`}>${head.eventId}</a></td>
      <td>${when(head.since)} (${age(head.since)})</td>
      <td>${head.attempts}</td>
      <td>${head.lastStatusCode ?? ''} ${head.lastError ?? ''}</td>
      <td>${when(head.nextAttemptAt)}</td>
      <td class="actions">
        <${Action} label="Retry now" run=${async () => { await api('POST', `/deliveries/${head.deliveryId}/retry`); onDone(); }} />
        <${Action} label="Skip (cancel)" confirm="It is not sent again unless retried or replayed; the subscription's next event goes." run=${async () => { await api('POST', `/deliveries/${head.deliveryId}/cancel`); onDone(); }} />
      </td>
    </tr>`)}
  />`;
}

/** orderingMaxHoldSeconds: how long one event may hold back its subscription before it is failed (empty: no bound). */
function EditHold({ destination, onDone }) {
  const [seconds, setSeconds] = useState(destination.orderingMaxHoldSeconds === null ? '' : String(destination.orderingMaxHoldSeconds));
  const { error, saved, setSaved, save } = usePatch(destination, onDone);
  const submit = (event) => {
    event.preventDefault();
    return save({ orderingMaxHoldSeconds: seconds.trim() === '' ? null : Number(seconds) });
  };
  return html`<form class="inline" onSubmit=${submit} aria-label="Longest hold">
    <${Field} label="Longest hold (seconds)" hint="An event that keeps failing is failed (dead-lettered) after holding back its subscription this long, and the next one goes. Empty: no bound">
      <input id="edit-hold" type="number" min="1" max="604800" step="1" value=${seconds} onInput=${(event) => { setSeconds(event.target.value); setSaved(false); }} />
    <//>
    <button type="submit">Save</button>${saved ? html`<span role="status">Saved.</span>` : ''}
    <${ErrorNote} error=${error} />
  </form>`;
}

export function DestinationScreen({ id }) {
  const state = useLoad(async () => {
    const [destination, deliveries] = await Promise.all([api('GET', `/destinations/${id}`), api('GET', `/deliveries${query({ destinationId: id, limit: 100 })}`)]);
    return { destination, deliveries: deliveries.data };
  }, [id]);
  const [ping, setPing] = useState(null);
  const [secret, setSecret] = useState(null);
  const [deleted, setDeleted] = useState(false);
  if (deleted) return html`<p class="empty" role="status">Deleted: nothing more is sent to it; its pending deliveries were cancelled, and all its deliveries are kept for the record. <a href="#/destinations">Back to the destinations</a>.</p>`;
  return html`<p><a href="#/destinations">← Destinations</a></p><${Loading} state=${state}>${() => {
    const { destination: d, deliveries } = state.data;
    const h = d.health;
    return html`<h1>${d.name} <${Badge} status=${h.state} /></h1>
      ${d.disabledReason && html`<p class="reason">${d.disabledReason} (${when(d.disabledAt)})</p>`}
      <dl class="props">
        <dt>URL</dt><dd><code>${d.url}</code></dd>
        <dt>Health</dt><dd class="health-line">${healthSummary(h)}</dd>
        <dt>Failing since</dt><dd>${h.failingSince ? html`${when(h.failingSince)} (${age(h.failingSince)})` : '—'}</dd>
        <dt>Last success</dt><dd>${when(h.lastSuccessAt)}</dd>
        <dt>Last failure</dt><dd>${when(h.lastFailureAt)}</dd>
        <dt>Sending</dt><dd>${d.status === 'active' ? 'on' : d.status}</dd>
        <dt>Backlog</dt><dd>${d.backlog}${d.oldestPendingAt ? `, oldest queued ${age(d.oldestPendingAt)} ago` : ''}</dd>
        <dt>Throttled until</dt><dd>${when(h.throttledUntil)}</dd>
        <dt>Format, ordering</dt><dd>${d.format}, ${d.ordering}${d.ordering === 'subscription' ? `, longest hold ${d.orderingMaxHoldSeconds === null ? 'unbounded' : `${d.orderingMaxHoldSeconds} s`}` : ''}</dd>
        <dt>Headers</dt><dd>${d.headerNames.join(', ') || '—'}</dd>
        <dt>Timeout</dt><dd>${d.timeoutMs} ms</dd>
      </dl>
      <section class="card"><h2>Actions</h2>
        <div class="actions">
          ${d.status === 'active'
            ? html`<${Action} label="Pause" run=${async () => { await api('POST', `/destinations/${id}/pause`); state.reload(); }} />`
            : html`<${Action} label="Resume" run=${async () => { await api('POST', `/destinations/${id}/resume`); state.reload(); }} />`}
          <${Action} label="Send test ping" run=${async () => setPing(await api('POST', `/destinations/${id}/test`))} />
          <${Action} label="Rotate signing secret" confirm="The old secret keeps signing for 24 h." run=${async () => setSecret((await api('POST', `/destinations/${id}/rotate-secret`, {})).signingSecret)} />
        </div>
        ${ping && html`<div class=${ping.ok ? 'result ok' : 'result bad'} role="status"><strong>${ping.ok ? 'Ping answered' : 'Ping failed'}</strong>: ${ping.status ?? 'no answer'} in ${ping.durationMs} ms ${ping.error ?? ''}${ping.response ? html`<pre class="small-pre">${ping.response}</pre>` : ''}</div>`}
        ${secret && html`<${SecretOnce} label="New signing secret" value=${secret} />`}
      </section>
      ${d.ordering === 'subscription' && html`<section class="card" aria-label="Blocked heads"><h2>Held subscriptions <button type="button" class="small" onClick=${state.reload}>Refresh</button></h2>
        <p>Events go one at a time per subscription, in order: an event that keeps failing holds back the rest of its subscription. Retry it now, or skip it (cancel) to let the next one go.</p>
        <${BlockedHeads} heads=${d.blockedHeads ?? []} onDone=${state.reload} />
        <${EditHold} destination=${d} onDone=${state.reload} />
      </section>`}
      <section class="card"><h2>Name and URL</h2><${EditDestination} destination=${d} onDone=${state.reload} /></section>
      <section class="card"><h2>Filter</h2><${EditFilter} destination=${d} onDone=${state.reload} /></section>
      <section class="card"><h2>Replay</h2><p>Send stored events again: those matching these fields and the destination's filter. Count them first.</p><${ByEvents} id=${id} action="replay" onDone=${state.reload} /></section>
      <section class="card"><h2>Cancel pending</h2><p>End its pending deliveries of the events matching these fields (none: all of them) as cancelled: never sent unless retried or replayed. Count them first.</p><${ByEvents} id=${id} action="cancel" onDone=${state.reload} /></section>
      <section><h2>Deliveries <button type="button" class="small" onClick=${state.reload}>Refresh</button></h2><${DeliveryList} deliveries=${deliveries} onChange=${state.reload} showDestination=${false} /></section>
      <${DangerZone}>
        <${Action} label="Delete destination" kind="danger" confirm=${`Delete "${d.name}"? Nothing more is sent to it and it cannot be undone; its pending deliveries are cancelled, all its deliveries kept for the record.`}
          run=${async () => { await api('DELETE', `/destinations/${id}`); setDeleted(true); }} />
      <//>`;
  }}<//>`;
}
