// The operator console: a client of the gateway's public REST API (/api), nothing else.
import { html, render, useState, useEffect, token, api, setUnauthorizedHandler, ErrorNote } from './lib.js';
import { Overview } from './screens/overview.js';
import { SubscriptionScreen } from './screens/subscription.js';
import { EventsScreen, EventScreen } from './screens/events.js';
import { DestinationsScreen, DestinationScreen } from './screens/destinations.js';
import { AlertsScreen } from './screens/alerts.js';

function useRoute() {
  // #/name/id?filters: the path picks the screen, the query gives its initial filters.
  const read = () => {
    const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
    const parts = (path || 'overview').split('/').map(decodeURIComponent);
    parts.params = Object.fromEntries(new URLSearchParams(search));
    return parts;
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function SignIn({ onSignedIn, expired }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState(expired ? { message: 'The API token was refused: sign in again.' } : null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const candidate = value.trim();
    try {
      await api('GET', '/subscriptions?limit=1', undefined, candidate);
      token.set(candidate);
      onSignedIn();
    } catch (failure) {
      setError(failure.status === 401 ? { code: failure.code, message: 'Wrong token: the gateway does not know this API token.' } : failure);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="signin">
    <h1>Gateway console</h1>
    <form onSubmit=${submit}>
      <label class="field"><span>API token</span>
        <input id="token" type="password" autocomplete="off" required value=${value} onInput=${(event) => setValue(event.target.value)} autofocus />
        <small>From <code>API_TOKENS</code>, or the one the gateway generated: <code>cat data/api-token</code>. Kept in this tab only.</small>
      </label>
      <button type="submit" disabled=${busy}>Sign in</button>
    </form>
    <${ErrorNote} error=${error} />
  </main>`;
}

const NAV = [
  ['overview', 'Overview'],
  ['events', 'Events'],
  ['destinations', 'Destinations'],
  ['alerts', 'InsideView alerts'],
];

function Screen({ route }) {
  const [name, id] = route;
  if (name === 'subscriptions' && id) return html`<${SubscriptionScreen} id=${id} />`;
  if (name === 'events' && id) return html`<${EventScreen} id=${id} />`;
  if (name === 'events') return html`<${EventsScreen} initial=${route.params} />`;
  if (name === 'destinations' && id) return html`<${DestinationScreen} id=${id} />`;
  if (name === 'destinations') return html`<${DestinationsScreen} />`;
  if (name === 'alerts') return html`<${AlertsScreen} state=${id ?? ''} />`;
  if (name === 'overview') return html`<${Overview} />`;
  return html`<p class="empty">No such page. <a href="#/overview">Go to the overview</a>.</p>`;
}

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(token.get()));
  const [expired, setExpired] = useState(false);
  const route = useRoute();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      token.clear();
      setExpired(true);
      setSignedIn(false);
    });
  }, []);
  if (!signedIn) return html`<${SignIn} expired=${expired} onSignedIn=${() => { setExpired(false); setSignedIn(true); }} />`;
  const signOut = () => {
    token.clear();
    setSignedIn(false);
  };
  return html`<div class="layout">
    <header>
      <a class="brand" href="#/overview">Webhook gateway</a>
      <nav aria-label="Screens">${NAV.map(([path, label]) => html`<a href=${`#/${path}`} aria-current=${route[0] === path || (path === 'overview' && route[0] === 'subscriptions') ? 'page' : undefined}>${label}</a>`)}</nav>
      <button type="button" class="small" onClick=${signOut}>Sign out</button>
    </header>
    <main id="main"><${Screen} key=${location.hash} route=${route} /></main>
  </div>`;
}

const root = document.getElementById('root');
// Preact diffs against what is there: drop the static "Loading" line first.
root.textContent = '';
render(html`<${App} />`, root);
