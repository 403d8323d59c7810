/* The console's entry: sign in, the navigation, one module per page. */
import { api, ApiError, session } from './api.js';
import { adminView } from './admin.js';
import { camerasView } from './cameras.js';
import { campaignsView } from './campaigns.js';
import { dashboardView } from './dashboard.js';
import { duplicatesView } from './duplicates.js';
import { identifyView } from './identify.js';
import { liveView } from './live.js';
import { livenessView } from './liveness.js';
import { searchView } from './members.js';
import { describeError, h, nav, say, show, state } from './ui.js';
import { webhooksView } from './webhooks.js';

// Sign in -------------------------------------------------------------------------------------

function signInView(problem) {
  nav.hidden = true;
  const input = h('input', { id: 'key', type: 'password', autocomplete: 'off', required: true, size: 40 });
  const form = h('form', { class: 'row', onsubmit: async (event) => {
    event.preventDefault();
    session.key = input.value.trim();
    await start();
  } }, h('label', { for: 'key' }, 'API key', input), h('button', { type: 'submit' }, 'Sign in'));
  show(null, h('section', {}, h('h2', {}, 'Sign in'), problem ? h('p', { role: 'alert' }, problem) : null, form));
  input.focus();
}

async function start() {
  if (!session.key) return signInView();
  try {
    state.me = await api('/v1/me');
  } catch (error) {
    session.key = null;
    return signInView(error instanceof ApiError && error.status === 401 ? 'That key was not accepted.' : describeError(error));
  }
  nav.hidden = false;
  for (const button of nav.querySelectorAll('[data-role="admin"]')) button.hidden = state.me.role !== 'admin';
  // The dashboard first: what an operator opens the console to see. A till's or a camera's key
  // may not read it: the identify tester is theirs.
  if (state.me.role === 'operator' || state.me.role === 'admin') await dashboardView().catch((e) => say(describeError(e)));
  else identifyView();
}


// Wiring --------------------------------------------------------------------------------------

const views = { dashboard: () => dashboardView().catch((e) => say(describeError(e))), search: searchView, identify: identifyView, liveness: livenessView, cameras: () => camerasView().catch((e) => say(describeError(e))), live: liveView, campaigns: () => campaignsView().catch((e) => say(describeError(e))), duplicates: () => duplicatesView().catch((e) => say(describeError(e))), webhooks: () => webhooksView().catch((e) => say(describeError(e))), admin: () => adminView().catch((e) => say(describeError(e))) };
nav.addEventListener('click', (event) => {
  const view = event.target.closest('[data-view]')?.dataset.view;
  if (!view) return;
  views[view]();
});
document.getElementById('sign-out').addEventListener('click', () => { session.key = null; state.me = undefined; signInView(); });
start();
