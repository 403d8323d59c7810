/* Campaigns: create, pause, resume, end, and what each has given. */
import { api } from './api.js';
import { describeError, h, say, show } from './ui.js';


const TRIGGERS = ['purchase', 'visit', 'enrollment', 'birthday', 'returning_from_dormant', 'first_visit_of_month'];

/** What a campaign does, in words. */
function effectText(effect) {
  if (effect.bonusPoints) return `${effect.bonusPoints} bonus points`;
  if (effect.pointsMultiplier) return `points × ${effect.pointsMultiplier}`;
  const c = effect.coupon;
  return `coupon "${c.title}": ${c.kind === 'percent_off' ? `${c.value}% off` : c.kind === 'amount_off' ? `${c.value} off` : `gift worth ${c.value}`}, ${c.validDays} days`;
}

export async function campaignsView() {
  const name = h('input', { id: 'campaign-name', required: true });
  const trigger = h('select', { id: 'campaign-trigger' }, TRIGGERS.map((t) => h('option', { value: t }, t.replace(/_/g, ' '))));
  const effectKind = h('select', { id: 'campaign-effect' }, [['bonusPoints', 'bonus points'], ['pointsMultiplier', 'points multiplier'], ['amount_off', 'coupon: amount off'], ['percent_off', 'coupon: percent off'], ['gift', 'coupon: gift']].map(([v, t]) => h('option', { value: v }, t)));
  const value = h('input', { id: 'campaign-value', type: 'number', min: '0.01', step: '0.01', required: true });
  const minAmount = h('input', { id: 'campaign-min-amount', type: 'number', min: '0', step: '0.01' });
  const perMember = h('input', { id: 'campaign-per-member', type: 'number', min: '1', step: '1' });
  const period = h('select', { id: 'campaign-period' }, ['day', 'week', 'month', 'year', 'campaign'].map((p) => h('option', { value: p }, p)));
  const validDays = h('input', { id: 'campaign-valid-days', type: 'number', min: '1', step: '1', value: '30' });
  const rows = h('tbody', { id: 'campaign-rows' });
  const effectOf = () => {
    const v = Number(value.value);
    if (effectKind.value === 'bonusPoints') return { bonusPoints: Math.round(v) };
    if (effectKind.value === 'pointsMultiplier') return { pointsMultiplier: v };
    return { coupon: { title: name.value.trim(), kind: effectKind.value, value: v, validDays: Number(validDays.value) || 30 } };
  };
  const create = h('form', { class: 'row', onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api('/v1/campaigns', { method: 'POST', json: {
        name: name.value.trim(),
        trigger: trigger.value,
        conditions: minAmount.value ? { minAmount: Number(minAmount.value) } : {},
        limits: perMember.value ? { perMember: { count: Number(perMember.value), period: period.value } } : {},
        effect: effectOf(),
      } });
      say('Campaign created');
      name.value = '';
      await refresh();
    } catch (error) { say(describeError(error)); }
  } }, h('label', {}, 'Name', name), h('label', {}, 'Trigger', trigger), h('label', {}, 'Effect', effectKind), h('label', {}, 'Value', value),
    h('label', {}, 'Coupon valid (days)', validDays), h('label', {}, 'Minimum purchase', minAmount), h('label', {}, 'At most per member', perMember), h('label', {}, 'per', period),
    h('button', { type: 'submit' }, 'Create campaign'));
  const act = (fn) => async () => { try { await fn(); await refresh(); } catch (error) { say(describeError(error)); } };
  const patch = (c, json) => act(() => api(`/v1/campaigns/${c.id}`, { method: 'PATCH', json }));
  const refresh = async () => {
    const { campaigns } = await api('/v1/campaigns');
    rows.replaceChildren(...campaigns.map((c) => h('tr', { 'data-campaign': c.id }, [
      c.name, c.trigger.replace(/_/g, ' '), effectText(c.effect), c.status,
      h('span', { 'data-stats': c.id }, `${c.stats.awards} awarded · ${c.stats.couponsIssued} coupons issued · ${c.stats.couponsUsed} used`),
      c.status === 'ended' ? '' : h('span', {},
        h('button', { type: 'button', onclick: patch(c, { status: c.status === 'active' ? 'paused' : 'active' }) }, c.status === 'active' ? 'Pause' : 'Resume'),
        h('button', { type: 'button', class: 'danger', onclick: () => window.confirm(`End "${c.name}" for good?`) && patch(c, { status: 'ended' })() }, 'End')),
    ].map((x) => h('td', {}, x)))));
  };
  show('campaigns', h('section', {}, h('h2', {}, 'Campaigns'), h('p', {}, 'Trigger → conditions → limits → effect. Coupons are issued in the transaction that triggered them and spent only by the member\'s face at a till.'), create,
    h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Trigger', 'Effect', 'State', 'So far', ''].map((x) => h('th', { scope: 'col' }, x)))), rows)));
  await refresh();
}
