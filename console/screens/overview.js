import { html, api, useLoad, useState, useEffect, Loading, Badge, Table, when, age, ErrorNote, SecretOnce, Field, vendors, Health } from '../lib.js';
import { EventChart } from './chart.js';

const ALERT_STATES = ['pending', 'fetching', 'fetched', 'failed'];

async function loadOverview() {
  const since = new Date(Date.now() - 3 * 3_600_000).toISOString();
  const [subscriptions, counts, stats, destinations, ...alerts] = await Promise.all([
    api('GET', '/subscriptions?limit=500'),
    api('GET', '/subscriptions/stats'),
    api('GET', `/events/stats?bucket=minute&since=${encodeURIComponent(since)}`),
    api('GET', '/destinations?limit=500'),
    // The alert queue exists where the app serves InsideView; elsewhere it answers 404 and is left out.
    ...ALERT_STATES.map((state) => api('GET', `/insideview/alerts?state=${state}&limit=1`).catch((error) => (error.status === 404 ? null : Promise.reject(error)))),
  ]);
  return {
    subscriptions,
    counts: new Map(counts.data.map((row) => [row.subscriptionId, row])),
    stats,
    destinations,
    alerts: alerts.every((page) => page !== null) ? ALERT_STATES.map((state, index) => [state, alerts[index].total]) : null,
  };
}

export function CreateSubscription({ onCreated }) {
  const [names, setNames] = useState([]);
  const [vendor, setVendor] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  const [created, setCreated] = useState(null);
  useEffect(() => {
    vendors().then((found) => {
      setNames(found);
      setVendor((current) => current || found[0] || '');
    });
  }, []);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      const answer = await api('POST', '/subscriptions', { vendor, name });
      setCreated(answer);
      setName('');
      onCreated();
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<section class="card" aria-labelledby="create-subscription">
    <h3 id="create-subscription">Create a subscription</h3>
    <form class="inline" onSubmit=${submit}>
      <${Field} label="Vendor">${names.length
        ? html`<select id="new-vendor" value=${vendor} onChange=${(event) => setVendor(event.target.value)}>${names.map((item) => html`<option value=${item}>${item}</option>`)}</select>`
        : html`<input id="new-vendor" required value=${vendor} onInput=${(event) => setVendor(event.target.value)} />`}<//>
      <${Field} label="Name"><input id="new-name" required maxlength="200" value=${name} onInput=${(event) => setName(event.target.value)} /><//>
      <button type="submit">Create</button>
    </form>
    <small>InsideView subscriptions need their settings (company ids): create them with the API, as README says.</small>
    <${ErrorNote} error=${error} />
    ${created && html`<div class="created">
      <p>Created <a href=${`#/subscriptions/${created.id}`}>${created.name}</a>. Register this callback URL at ${created.vendor}: <code>${created.callbackUrl}</code></p>
      ${created.secret ? html`<${SecretOnce} label="Secret" value=${created.secret} />` : html`<p>No secret generated: give the vendor's own with <em>Rotate secret</em> on its page.</p>`}
    </div>`}
  </section>`;
}

export function Overview() {
  const state = useLoad(loadOverview, []);
  return html`<h1>Overview</h1>
    <${Loading} state=${state}>${() => {
      const { subscriptions, counts, stats, destinations, alerts } = state.data;
      return html`
        <section aria-labelledby="subs-title">
          <h2 id="subs-title">Subscriptions</h2>
          <${Table}
            head=${['Name', 'Vendor', 'Status', 'Last event', 'Events 24 h', 'Rejections 24 h', 'Quarantined 24 h']}
            empty=${html`<p><strong>No subscriptions yet</strong>: create one below, then register its callback URL at the vendor.</p>`}
            rows=${subscriptions.data.map((subscription) => {
              const count = counts.get(subscription.id) ?? { events: 0, rejections: 0, quarantined: 0 };
              return html`<tr>
                <td><a href=${`#/subscriptions/${subscription.id}`}>${subscription.name}</a></td>
                <td>${subscription.vendor}</td>
                <td><${Badge} status=${subscription.status} />${subscription.status === 'DISABLED' ? html`<div class="reason"><code>${subscription.disableReasonErrorCode}</code> ${subscription.disableReasonMessage ?? ''}</div>` : ''}</td>
                <td>${subscription.lastEventAt ? html`<span title=${when(subscription.lastEventAt)}>${age(subscription.lastEventAt)} ago</span>` : 'never'}</td>
                <td class="num">${count.events}</td>
                <td class="num">${count.rejections}</td>
                <td class="num">${count.quarantined}</td>
              </tr>`;
            })}
          />
          <${CreateSubscription} onCreated=${state.reload} />
        </section>
        <section aria-labelledby="chart-title">
          <h2 id="chart-title">Events per minute, last 3 hours</h2>
          <${EventChart} stats=${stats} />
        </section>
        <div class="columns">
          <section aria-labelledby="dest-title">
            <h2 id="dest-title">Destinations</h2>
            <${Table}
              head=${['Name', 'Health', 'Backlog', 'Oldest pending']}
              empty=${html`<p>No destinations: internal services receive events once you <a href="#/destinations">add a destination</a>.</p>`}
              rows=${destinations.data.map((destination) => html`<tr>
                <td><a href=${`#/destinations/${destination.id}`}>${destination.name}</a></td>
                <td class="health"><${Health} destination=${destination} /></td>
                <td class="num">${destination.backlog}</td>
                <td>${destination.oldestPendingAt ? `${age(destination.oldestPendingAt)}` : '—'}</td>
              </tr>`)}
            />
          </section>
          ${alerts && html`<section aria-labelledby="alerts-title">
            <h2 id="alerts-title">InsideView alert queue</h2>
            <dl class="counts">${alerts.map(([name, total]) => html`<div><dt><${Badge} status=${name} /></dt><dd><a href=${`#/alerts/${name}`}>${total}</a></dd></div>`)}</dl>
          </section>`}
        </div>`;
    }}<//>`;
}
