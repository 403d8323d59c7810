/* Webhook subscriptions: subscribe, test, pause, rotate the secret, see and retry deliveries. */
import { api } from './api.js';
import { describeError, h, say, show, sleep, table } from './ui.js';


const EVENT_TYPES = ['visit.started', 'purchase.recorded', 'purchase.refunded', 'points.redeemed', 'points.expiring', 'points.expired', 'coupon.issued', 'coupon.redeemed',
  'visitor.created', 'visitor.converted', 'member.created', 'member.purged'];

/** Mall systems' subscriptions: add one (its secret shown once), pause, test, remove; its recent deliveries, with retry. */
export async function webhooksView() {
  const url = h('input', { id: 'webhook-url', type: 'url', required: true, size: 40, placeholder: 'https://crm.example/visage' });
  const description = h('input', { id: 'webhook-description' });
  const boxes = EVENT_TYPES.map((type) => h('input', { type: 'checkbox', value: type, 'data-event': type }));
  const shown = h('p', { 'aria-live': 'polite', id: 'webhook-secret' });
  const rows = h('tbody', { id: 'webhook-rows' });
  const deliveries = h('section', { id: 'webhook-deliveries', hidden: true });
  const add = h('form', { class: 'row', onsubmit: async (event) => {
    event.preventDefault();
    const events = boxes.filter((b) => b.checked).map((b) => b.value);
    if (events.length === 0) return say('Choose at least one event');
    try {
      const created = await api('/v1/webhooks', { method: 'POST', json: { url: url.value.trim(), events, ...(description.value.trim() ? { description: description.value.trim() } : {}) } });
      shown.replaceChildren('Signing secret (shown once — give it to the receiver): ', h('code', {}, created.secret));
      url.value = '';
      await refresh();
    } catch (error) { say(describeError(error)); }
  } }, h('label', {}, 'URL', url), h('label', {}, 'Description', description),
    h('fieldset', {}, h('legend', {}, 'Events'), boxes.map((box) => h('label', {}, box, box.value))), h('button', { type: 'submit' }, 'Subscribe'));

  const showDeliveries = async (webhook) => {
    const page = await api(`/v1/webhooks/${webhook.id}/deliveries?limit=50`);
    const retry = (delivery) => async () => {
      try { await api(`/v1/webhooks/${webhook.id}/deliveries/${delivery.id}/retry`, { method: 'POST' }); say('Queued again'); await sleep(500); await showDeliveries(webhook); } catch (error) { say(describeError(error)); }
    };
    deliveries.hidden = false;
    deliveries.replaceChildren(h('h2', {}, `Recent deliveries to ${webhook.url}`),
      h('button', { type: 'button', class: 'secondary', onclick: () => showDeliveries(webhook).catch((e) => say(describeError(e))) }, 'Refresh'),
      table(['Queued', 'Event', 'Status', 'Attempts', 'Last answer', ''], page.items.map((d) => [
        new Date(d.createdAt).toLocaleString(), d.eventType, d.status, d.attempts, d.lastStatusCode ?? d.lastError ?? '—',
        d.status === 'pending' ? (d.nextAttemptAt ? `next ${new Date(d.nextAttemptAt).toLocaleTimeString()}` : '') : h('button', { type: 'button', 'data-retry': d.id, onclick: retry(d) }, d.status === 'failed' ? 'Retry' : 'Send again'),
      ])));
  };
  const act = (fn) => async () => { try { await fn(); await refresh(); } catch (error) { say(describeError(error)); } };
  const refresh = async () => {
    const { webhooks } = await api('/v1/webhooks');
    rows.replaceChildren(...webhooks.map((w) => h('tr', { 'data-webhook': w.id }, [
      w.url, w.description ?? '', w.events.join(', '), w.paused ? 'paused' : 'active',
      h('span', {},
        h('button', { type: 'button', onclick: act(() => api(`/v1/webhooks/${w.id}`, { method: 'PATCH', json: { paused: !w.paused } })) }, w.paused ? 'Resume' : 'Pause'),
        h('button', { type: 'button', class: 'secondary', onclick: act(async () => {
          const result = await api(`/v1/webhooks/${w.id}/test`, { method: 'POST' });
          say(result.delivered ? `Test delivered (${result.statusCode}, ${result.durationMs} ms)` : `Test not delivered: ${result.error}`);
        }) }, 'Test'),
        h('button', { type: 'button', class: 'secondary', onclick: () => showDeliveries(w).catch((e) => say(describeError(e))) }, 'Deliveries'),
        h('button', { type: 'button', class: 'secondary', onclick: act(async () => {
          const rotated = await api(`/v1/webhooks/${w.id}/rotate-secret`, { method: 'POST', json: {} });
          shown.replaceChildren(`New signing secret (shown once; the old one also signs until ${new Date(rotated.previousSecretUntil).toLocaleString()}): `, h('code', {}, rotated.secret));
        }) }, 'Rotate secret'),
        h('button', { type: 'button', class: 'danger', onclick: act(() => api(`/v1/webhooks/${w.id}`, { method: 'DELETE' })) }, 'Remove')),
    ].map((c) => h('td', {}, c)))));
  };
  show('webhooks', h('section', {}, h('h2', {}, 'Webhooks'), h('p', {}, 'Events pushed to mall systems, signed (Standard Webhooks) and retried for 24 h.'), add, shown,
    h('table', {}, h('thead', {}, h('tr', {}, ['URL', 'Description', 'Events', 'State', ''].map((x) => h('th', { scope: 'col' }, x)))), rows)), deliveries);
  await refresh();
}
