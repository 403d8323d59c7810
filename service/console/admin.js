/* Admin: API keys, the match thresholds (checked on our own members, applied or withdrawn), and the audit log. */
import { api } from './api.js';
import { beginView, describeError, h, say, table } from './ui.js';

const rate = (x) => (x === null ? '—' : x.toExponential(1));

/** The thresholds in force and, on request, the calibration on the deployment's members with its suggestion to apply. */
function thresholdsSection(view) {
  const { configured, inForce, applied } = view;
  const report = h('div', { id: 'calibration', 'aria-live': 'polite' });
  const change = (request) => async () => {
    try {
      await api('/v1/admin/thresholds', request);
      adminView();
    } catch (error) { say(describeError(error)); }
  };
  const check = async () => {
    report.replaceChildren('Comparing every pair of members…');
    try {
      const r = await api('/v1/admin/calibration', { method: 'POST' });
      report.replaceChildren(
        h('p', {}, `${r.members} members, ${r.pairs} pairs of different members${r.sampled ? ' (sampled)' : ''}; the smallest rate they can show: ${rate(r.resolution)}.`),
        table(['Threshold', 'In force', 'False matches here', 'On LFW'], r.thresholds.map((t) => [t.name, String(t.threshold), rate(t.deploymentFmr), rate(t.lfwFmr)])),
        r.suggestedMatchThreshold === null
          ? h('p', {}, 'Too few members to suggest a threshold for the target.')
          : h('p', {}, `Match threshold that holds the target (${r.targetFpir}) here: ${r.suggestedMatchThreshold} `,
            h('button', { type: 'button', id: 'apply-threshold', onclick: change({ method: 'POST', json: { matchThreshold: r.suggestedMatchThreshold } }) }, `Apply ${r.suggestedMatchThreshold}`)),
      );
    } catch (error) { report.replaceChildren(describeError(error)); }
  };
  return h('section', {},
    h('h2', {}, 'Match thresholds'),
    table(['', 'Match', 'Seen today', '1:1'], [
      ['Configured', String(configured.match), String(configured.today), String(configured.verify)],
      ['In force', String(inForce.match), String(inForce.today), String(inForce.verify)],
    ]),
    h('p', { id: 'applied-thresholds' }, applied ? `Applied ${new Date(applied.appliedAt).toLocaleString()}: match ${applied.match}${applied.fittedFor ? `, for the group of ${applied.fittedFor.templates.toLocaleString()} templates (stricter as it grows)` : ''}. ` : 'The configured thresholds are in force. ',
      applied ? h('button', { type: 'button', class: 'danger', onclick: change({ method: 'DELETE' }) }, 'Withdraw') : ''),
    h('button', { type: 'button', id: 'check-calibration', onclick: check }, 'Check on our members'),
    report);
}

export async function adminView() {
  const drawing = beginView();
  const [{ keys }, audit, thresholds] = await Promise.all([api('/v1/keys'), api('/v1/audit?limit=50'), api('/v1/admin/thresholds')]);
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
  drawing.show('admin',
    h('section', {}, h('h2', {}, 'API keys'), create, shown, h('table', {}, h('tbody', {}, keyRows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))))),
    thresholdsSection(thresholds),
    h('section', {}, h('h2', {}, 'Audit log'), table(['When', 'Who', 'Action', 'Member', 'Outcome'], audit.items.map((e) => [new Date(e.at).toLocaleString(), `${e.keyName ?? '—'} (${e.role ?? '—'})`, e.action, e.memberId ?? '—', e.outcome]))));
}
