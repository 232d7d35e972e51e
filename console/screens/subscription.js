import { html, api, useLoad, useState, Loading, Badge, Table, when, ErrorNote, SecretOnce, CopyButton, Action, Field, richText, DangerZone } from '../lib.js';

function TestEventResult({ report }) {
  const line = (label, part) => part && html`<li>${label}: ${part.status ?? 'no answer'} in ${part.durationMs} ms${part.error ? html` — <span class="error-text">${part.error}</span>` : ''}${part.response ? html`<pre class="small-pre">${part.response}</pre>` : ''}</li>`;
  return html`<div class=${report.ok ? 'result ok' : 'result bad'} role="status"><strong>${report.ok ? 'Test event delivered' : 'Test event failed'}</strong><ul>${line('HEAD check', report.headCheck)}${line('Delivery', report.delivery)}</ul></div>`;
}

function RotateForm({ id, onDone }) {
  const [secret, setSecret] = useState('');
  const [grace, setGrace] = useState('86400');
  const [error, setError] = useState(null);
  const [shown, setShown] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      const answer = await api('POST', `/subscriptions/${id}/rotate-secret`, { ...(secret ? { secret } : {}), graceSeconds: Number(grace) });
      setShown(answer.secret ?? null);
      setSecret('');
      onDone();
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<form class="inline" onSubmit=${submit} aria-label="Rotate secret">
    <${Field} label="New secret" hint="Empty: the gateway generates one"><input type="password" autocomplete="off" value=${secret} onInput=${(event) => setSecret(event.target.value)} /><//>
    <${Field} label="Grace (seconds)" hint="The old secret keeps working this long"><input type="number" min="0" value=${grace} onInput=${(event) => setGrace(event.target.value)} /><//>
    <button type="submit">Rotate secret</button>
    <${ErrorNote} error=${error} />
    ${shown && html`<${SecretOnce} label="New secret" value=${shown} />`}
  </form>`;
}

function DisableForm({ id, onDone }) {
  const [message, setMessage] = useState('');
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      await api('POST', `/subscriptions/${id}/disable`, message ? { message } : {});
      onDone();
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<form class="inline" onSubmit=${submit} aria-label="Disable">
    <${Field} label="Reason"><input id="disable-reason" maxlength="500" value=${message} onInput=${(event) => setMessage(event.target.value)} placeholder="Why, for the next operator" /><//>
    <button type="submit" class="danger">Disable</button>
    <${ErrorNote} error=${error} />
  </form>`;
}

async function loadSubscription(id) {
  const since = new Date(Date.now() - 86_400_000).toISOString();
  const [subscription, rejections, events] = await Promise.all([
    api('GET', `/subscriptions/${id}`),
    api('GET', `/subscriptions/${id}/rejections`),
    api('GET', `/events?subscriptionId=${id}&since=${encodeURIComponent(since)}&limit=500`),
  ]);
  return { subscription, rejections: rejections.data, events: events.data.slice(-20).reverse() };
}

export function SubscriptionScreen({ id }) {
  const state = useLoad(() => loadSubscription(id), [id]);
  const [report, setReport] = useState(null);
  const [deleted, setDeleted] = useState(false);
  if (deleted) return html`<p class="empty">Deleted. <a href="#/overview">Back to the overview</a>.</p>`;
  return html`<${Loading} state=${state}>${() => {
    const { subscription: s, rejections, events } = state.data;
    return html`
      <p><a href="#/overview">← Overview</a></p>
      <h1>${s.name} <${Badge} status=${s.status} /></h1>
      ${s.status === 'DISABLED' && html`<p class="reason" id="disable-reason-shown"><code>${s.disableReasonErrorCode}</code> ${s.disableReasonMessage ?? ''}</p>`}
      <section class="card">
        <h2>Settings</h2>
        <dl class="props">
          <dt>Vendor</dt><dd>${s.vendor}</dd>
          <dt>Id</dt><dd><code>${s.id}</code></dd>
          <dt>Callback URL</dt><dd class="mono-row"><code id="callback-url">${s.callbackUrl}</code> <${CopyButton} text=${s.callbackUrl} /></dd>
          <dt>Description</dt><dd>${s.description ?? '—'}</dd>
          <dt>Secret</dt><dd>${s.hasSecret ? 'set' : 'not set'}${s.previousSecretExpiresAt ? ` (previous one accepted until ${when(s.previousSecretExpiresAt)})` : ''}</dd>
          ${s.eventTypes.length > 0 && html`<dt>Event types</dt><dd>${s.eventTypes.join(', ')}</dd>`}
          ${s.requiredHeaders.length > 0 && html`<dt>Required headers</dt><dd>${s.requiredHeaders.join(', ')}</dd>`}
          ${s.vendorRef && html`<dt>Vendor's id</dt><dd><code>${s.vendorRef}</code></dd>`}
          <dt>Verified</dt><dd>${when(s.verifiedAt)}</dd>
          <dt>Last event</dt><dd>${when(s.lastEventAt)}</dd>
          <dt>Created</dt><dd>${when(s.createdAt)}</dd>
        </dl>
      </section>
      <section class="card">
        <h2>Register it at ${s.vendor}</h2>
        <ol>${s.setupSteps.map((step) => html`<li>${richText(step)}</li>`)}</ol>
      </section>
      <section class="card">
        <h2>Actions</h2>
        <div class="actions">
          <${Action} label="Send test event" run=${async () => { setReport(await api('POST', `/subscriptions/${id}/test-event`)); state.reload(); }} />
          ${s.status === 'DISABLED' && html`<${Action} label="Enable" run=${async () => { await api('POST', `/subscriptions/${id}/enable`); state.reload(); }} />`}
          ${s.syncable && html`<${Action} label="Sync" run=${async () => { await api('POST', `/subscriptions/${id}/sync`); state.reload(); }} />`}
        </div>
        ${report && html`<${TestEventResult} report=${report} />`}
        ${s.status !== 'DISABLED' && html`<${DisableForm} id=${id} onDone=${state.reload} />`}
        <${RotateForm} id=${id} onDone=${state.reload} />
      </section>
      <section>
        <h2>Recent rejections</h2>
        <${Table} head=${['Time', 'Status', 'Code', 'Reason']}
          empty=${html`<p>No refused deliveries. A delivery with a wrong signature or a missing header would show here with the reason.</p>`}
          rows=${rejections.map((rejection) => html`<tr class="rejection"><td>${when(rejection.receivedAt)}</td><td class="num">${rejection.status}</td><td><code>${rejection.code}</code></td><td>${rejection.reason}</td></tr>`)} />
      </section>
      <section>
        <h2>Recent events (24 h)</h2>
        <${Table} head=${['Received', 'Type', 'Status', 'Test']}
          empty=${html`<p>No events in the last 24 hours. <em>Send test event</em> above to try the whole path.</p>`}
          rows=${events.map((event) => html`<tr><td><a href=${`#/events/${event.id}`}>${when(event.receivedAt)}</a></td><td>${event.eventType ?? '—'}</td><td><${Badge} status=${event.status} /></td><td>${event.isTest ? 'test' : ''}</td></tr>`)} />
        <p><a href=${`#/events?subscriptionId=${s.id}`}>All its events</a></p>
      </section>
      <${DangerZone}>
        <${Action} label="Delete subscription" kind="danger" confirm=${`Delete "${s.name}"? Deliveries to it will be refused; its events are kept.`} run=${async () => { await api('DELETE', `/subscriptions/${id}`); setDeleted(true); }} />
      <//>`;
  }}<//>`;
}
