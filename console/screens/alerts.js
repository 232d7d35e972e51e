import { html, api, query, useLoad, useState, Loading, Badge, Table, when, ErrorNote, Action } from '../lib.js';

const STATES = ['', 'pending', 'fetching', 'fetched', 'failed'];

function AlertRow({ alert, onChange }) {
  const [details, setDetails] = useState(undefined);
  const [error, setError] = useState(null);
  const toggle = async () => {
    if (details !== undefined) return setDetails(undefined);
    try {
      setDetails((await api('GET', `/insideview/alerts/${alert.id}`)).details ?? null);
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<tr>
      <td><code>${alert.alertId}</code>${alert.alertType ? ` (${alert.alertType})` : ''}</td>
      <td><a href=${`#/subscriptions/${alert.subscriptionId}`}>${alert.subscriptionId.slice(0, 8)}</a></td>
      <td><${Badge} status=${alert.state} /></td>
      <td class="num">${alert.attempts}</td>
      <td>${alert.lastError ?? ''}</td>
      <td>${when(alert.fetchedAt)}</td>
      <td class="actions">
        <button type="button" class="small" aria-expanded=${details !== undefined} onClick=${toggle}>${details !== undefined ? 'Hide details' : 'Details'}</button>
        ${(alert.state === 'failed' || alert.state === 'fetched') && html`<${Action} label="Retry" run=${async () => { await api('POST', `/insideview/alerts/${alert.id}/retry`); onChange(); }} />`}
      </td>
    </tr>
    ${error && html`<tr><td colspan="7"><${ErrorNote} error=${error} /></td></tr>`}
    ${details !== undefined && html`<tr><td colspan="7"><pre class="payload">${details === null ? 'Not fetched yet.' : JSON.stringify(details, null, 2)}</pre></td></tr>`}`;
}

export function AlertsScreen({ state: initial = '' }) {
  const [state, setState] = useState(initial);
  const loaded = useLoad(() => api('GET', `/insideview/alerts${query({ state, limit: 200 })}`), [state]);
  return html`<h1>InsideView alerts</h1>
    <label class="field inline-field"><span>State</span><select value=${state} onChange=${(event) => setState(event.target.value)}>${STATES.map((name) => html`<option value=${name}>${name || 'any'}</option>`)}</select></label>
    <${Loading} state=${loaded}>${() => html`<p class="muted">${loaded.data.total} alert${loaded.data.total === 1 ? '' : 's'}, newest first.</p>
      <${Table} head=${['Alert', 'Subscription', 'State', 'Attempts', 'Last error', 'Fetched', '']}
        empty=${html`<p>No alerts${state ? ` in state ${state}` : ''}. InsideView sends them for its subscriptions: create one with the API (README, InsideView), and its alerts and their fetched details appear here.</p>`}
        rows=${loaded.data.data.map((alert) => html`<${AlertRow} key=${alert.id} alert=${alert} onChange=${loaded.reload} />`)} />`}<//>`;
}
