/* Admin: API keys and the audit log. */
import { api } from './api.js';
import { describeError, h, say, show, table } from './ui.js';


export async function adminView() {
  const [{ keys }, audit] = await Promise.all([api('/v1/keys'), api('/v1/audit?limit=50')]);
  const role = h('select', { id: 'key-role' }, ['camera', 'pos', 'operator', 'admin'].map((r) => h('option', { value: r }, r)));
  const name = h('input', { id: 'key-name', required: true });
  const shown = h('p', { 'aria-live': 'polite' });
  const create = h('form', { class: 'row', onsubmit: async (event) => {
    event.preventDefault();
    try {
      const created = await api('/v1/keys', { method: 'POST', json: { role: role.value, name: name.value.trim() } });
      shown.replaceChildren('New key (shown once): ', h('code', {}, created.key));
    } catch (error) { say(describeError(error)); }
  } }, h('label', {}, 'Role', role), h('label', {}, 'Name', name), h('button', { type: 'submit' }, 'Create key'));
  const keyRows = keys.map((k) => [k.name, k.role, k.keyPrefix + '…', k.revokedAt ? 'revoked' : k.expiresAt ? `until ${new Date(k.expiresAt).toLocaleString()}` : 'active',
    k.revokedAt ? '' : h('button', { type: 'button', class: 'danger', onclick: async () => { await api(`/v1/keys/${k.id}`, { method: 'DELETE' }); adminView(); } }, 'Revoke')]);
  show('admin',
    h('section', {}, h('h2', {}, 'API keys'), create, shown, h('table', {}, h('tbody', {}, keyRows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))))),
    h('section', {}, h('h2', {}, 'Audit log'), table(['When', 'Who', 'Action', 'Member', 'Outcome'], audit.items.map((e) => [new Date(e.at).toLocaleString(), `${e.keyName ?? '—'} (${e.role ?? '—'})`, e.action, e.memberId ?? '—', e.outcome]))));
}
