// Shared pieces of the console: the libraries, the API client and small components.
import { h, render } from './vendor/preact.mjs';
import { useState, useEffect, useCallback, useRef } from './vendor/hooks.mjs';
import htm from './vendor/htm.mjs';

export const html = htm.bind(h);
export { render, useState, useEffect, useCallback, useRef };

const TOKEN_KEY = 'gateway.apiToken';
/** The API token lives in sessionStorage (this tab only, gone when it closes) and goes only in the Authorization header. */
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `The gateway answered ${status}`);
    this.status = status;
    this.code = body?.code;
    this.details = body?.details;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/** Calls the public REST API under /api with the operator's token. */
export async function api(method, path, body, bearer = token.get()) {
  const headers = { Authorization: `Bearer ${bearer}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && bearer === token.get()) onUnauthorized(error);
    throw error;
  }
  return data;
}

export function query(params) {
  const entries = Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== '');
  return entries.length ? `?${new URLSearchParams(entries)}` : '';
}

/** Loads data for a screen; `reload` fetches again. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true });
  const reload = useCallback(() => {
    load().then(
      (data) => setState({ data }),
      (error) => setState({ error }),
    );
  }, deps);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

export function age(iso, now = Date.now()) {
  if (!iso) return '—';
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.code ? html`<code>${error.code}</code> ` : ''}${error.message}${
    error.details?.length ? html`<ul>${error.details.map((detail) => html`<li>${detail}</li>`)}</ul>` : ''
  }</p>`;
}

export function Loading({ state, children }) {
  if (state.error) return html`<${ErrorNote} error=${state.error} />`;
  if (state.loading) return html`<p class="loading">Loading…</p>`;
  return children();
}

export function Badge({ status }) {
  const kind = { ACTIVE: 'ok', active: 'ok', accepted: 'ok', delivered: 'ok', fetched: 'ok', healthy: 'ok', DISABLED: 'bad', disabled: 'bad', failed: 'bad', failing: 'bad', quarantined: 'warn', paused: 'warn', throttled: 'warn', VERIFICATION_PENDING: 'warn', pending: 'warn', fetching: 'warn' }[status] ?? 'plain';
  return html`<span class="badge badge-${kind}">${status}</span>`;
}

/** A destination's health (the API's `health`) in one line: how many attempts of the window succeeded, the last success, failures in a row. */
export function healthSummary(health) {
  return healthParts(health).join(' · ');
}

function healthParts(health) {
  if (health.attempts === 0) return [`no attempts in the last ${health.window}`];
  const parts = [`${health.succeeded} of ${health.attempts} succeeded in the last ${health.window} (${Math.round(health.successRate * 100)}%)`];
  parts.push(health.lastSuccessAt ? `last success ${age(health.lastSuccessAt)} ago` : `no success in the last ${health.window}`);
  if (health.consecutiveFailures > 0) parts.push(`${health.consecutiveFailures} failure${health.consecutiveFailures === 1 ? '' : 's'} in a row`);
  if (health.throttled > 0) parts.push(`${health.throttled} throttled (429/503 with Retry-After)`);
  return parts;
}

/** The health badge with its one-line summary, and why it is disabled or throttled when it is. */
export function Health({ destination }) {
  const health = destination.health;
  return html`<${Badge} status=${health.state} /><div class="health-line muted">${healthParts(health).map((part, index) => html`${index > 0 ? ' · ' : ''}<span class="part">${part}</span>`)}</div>${
    destination.disabledReason ? html`<div class="reason">${destination.disabledReason}</div>` : ''}${
    health.throttledUntil ? html`<div class="reason">throttled until ${when(health.throttledUntil)}</div>` : ''}`;
}

/** Irreversible actions, kept apart from the everyday ones at the bottom of a page. */
export function DangerZone({ children }) {
  return html`<section class="card danger-zone" aria-labelledby="danger-zone"><h2 id="danger-zone">Danger zone</h2><div class="actions">${children}</div></section>`;
}

export function CopyButton({ text, label = 'Copy' }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return html`<button type="button" class="small" onClick=${copy}>${copied ? 'Copied' : label}</button>`;
}

/** A secret shown once, in the answer that created it. */
export function SecretOnce({ label, value }) {
  return html`<div class="secret" role="status">
    <p><strong>${label}</strong>: shown this once. Copy it now; the gateway will never show it again.</p>
    <p class="mono-row"><code class="secret-value">${value}</code> <${CopyButton} text=${value} /></p>
  </div>`;
}

/** An action button that shows its own error and a busy state. */
export function Action({ label, run, kind = '', confirm }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [asking, setAsking] = useState(false);
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      await run();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  if (asking) {
    return html`<span class="confirm">${confirm} <button type="button" class="danger" onClick=${go} disabled=${busy}>Yes, ${label.toLowerCase()}</button> <button type="button" onClick=${() => setAsking(false)}>Cancel</button></span>`;
  }
  return html`<span><button type="button" class=${kind} disabled=${busy} onClick=${() => (confirm ? setAsking(true) : go())}>${busy ? `${label}…` : label}</button><${ErrorNote} error=${error} /></span>`;
}

export function Field({ label, children, hint }) {
  return html`<label class="field"><span>${label}</span>${children}${hint ? html`<small>${hint}</small>` : ''}</label>`;
}

/** A vendor's setup step (the API's `setupSteps`): `code` in backticks, *what to click* between asterisks, the rest as text. */
export function richText(text) {
  return text.split(/(`[^`]*`|\*[^*]+\*)/).map((part) =>
    part.startsWith('`') && part.endsWith('`') && part.length > 1 ? html`<code>${part.slice(1, -1)}</code>` : part.startsWith('*') && part.endsWith('*') && part.length > 2 ? html`<em>${part.slice(1, -1)}</em>` : part,
  );
}

export const list = (text) => text.split(',').map((part) => part.trim()).filter(Boolean);

export function Table({ head, rows, empty }) {
  if (rows.length === 0) return html`<div class="empty">${empty}</div>`;
  return html`<div class="table-wrap"><table><thead><tr>${head.map((cell) => html`<th scope="col">${cell}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

let vendorNames;
/** The vendors the gateway serves, from its public OpenAPI document (the enum of a subscription's vendor). */
export async function vendors() {
  vendorNames ??= fetch('/docs-json')
    .then((response) => response.json())
    .then((document) => document.components?.schemas?.CreateSubscriptionDto?.properties?.vendor?.enum ?? [])
    .catch(() => []);
  return vendorNames;
}
