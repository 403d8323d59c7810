/* The dashboard: a mall's programme at a glance (GET /v1/stats), the console's first page. */
import { api } from './api.js';
import { rankedBars, stackedBars } from './charts.js';
import { beginView, describeError, h, table } from './ui.js';

const PERIODS = {
  '30d': { label: 'Last 30 days, by day', interval: 'day', ms: 30 * 86_400_000 },
  '7d': { label: 'Last 7 days, by day', interval: 'day', ms: 7 * 86_400_000 },
  '24h': { label: 'Last 24 hours, by hour', interval: 'hour', ms: 86_400_000 },
  '7dh': { label: 'Last 7 days, by hour', interval: 'hour', ms: 7 * 86_400_000 },
};
const COLOURS = { member: '#4f7cff', visitor: '#f2a93b', other: '#c5cbd6', good: '#16794a', bad: '#c62f3c' };

const percent = (share) => (share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)}%`);
const whole = (n) => Math.round(n).toLocaleString();
const money = (n) => n.toLocaleString(undefined, { maximumFractionDigits: 0 });

/** The choice of mall and period, kept while the tab lives. */
const choice = { mallId: undefined, period: '30d' };

export async function dashboardView() {
  const drawing = beginView();
  const malls = (await api('/v1/malls')).malls;
  // Another view began while this one loaded (it opens by itself at sign-in): that one stays, no stats asked.
  if (!drawing.current) return;
  // A mall-bound key sees its own mall only; others start at the default mall.
  choice.mallId ??= (malls.find((m) => m.id === 'default') ?? malls[0])?.id ?? 'default';
  const mallSelect = h('select', { id: 'stats-mall' }, malls.map((m) => h('option', { value: m.id, selected: m.id === choice.mallId }, m.name)));
  const periodSelect = h('select', { id: 'stats-period' }, Object.entries(PERIODS).map(([key, p]) => h('option', { value: key, selected: key === choice.period }, p.label)));
  const body = h('div', { id: 'dashboard-body', 'aria-live': 'polite' }, h('p', {}, 'Loading…'));
  let latest = 0;
  const reload = async () => {
    choice.mallId = mallSelect.value;
    choice.period = periodSelect.value;
    body.removeAttribute('data-ready');
    // Only the latest choice is drawn: an earlier answer arriving late is dropped.
    const asked = ++latest;
    try {
      const period = PERIODS[choice.period];
      const to = new Date();
      const from = new Date(to.getTime() - period.ms);
      const stats = await api(`/v1/stats?mall=${encodeURIComponent(choice.mallId)}&from=${from.toISOString()}&to=${to.toISOString()}&interval=${period.interval}`);
      if (asked !== latest) return;
      body.replaceChildren(...figures(stats));
      body.setAttribute('data-ready', 'true');
    } catch (error) {
      if (asked === latest) body.replaceChildren(h('p', { role: 'alert' }, describeError(error)));
    }
  };
  mallSelect.addEventListener('change', reload);
  periodSelect.addEventListener('change', reload);
  if (!drawing.show('dashboard', h('section', {}, h('h2', {}, 'Dashboard'), h('div', { class: 'row' }, h('label', {}, 'Mall', mallSelect), h('label', {}, 'Period', periodSelect))), body)) return;
  await reload();
}

/** Each figure as tiles, charts (numbers on hover) and tables (numbers to read). */
function figures(stats) {
  const tick = stats.interval === 'day' ? (b) => b.slice(5, 10) : (b) => b.slice(11, 16);
  const label = stats.interval === 'day' ? (b) => b.slice(0, 10) : (b) => b.replace('T', ' ');
  const sales = stats.sales[0];
  const tiles = h('dl', { class: 'tiles', id: 'stats-tiles' },
    tile('Footfall (faces)', whole(stats.footfall.faces), 'footfall'),
    tile('Recognised share', percent(stats.recognition.share), 'recognised'),
    tile('Net new members', whole(stats.members.netNewMembers), 'net-members'),
    tile('Net new fan-level', whole(stats.members.netNewVisitors), 'net-visitors'),
    tile('Fan-level conversion', percent(stats.conversion.rate), 'conversion'),
    tile('Member share of sales', percent(sales?.memberShareOfAmount), 'member-share'),
    tile('Back from dormancy', whole(stats.returningFromDormant.members), 'dormant'));
  const labels = stats.buckets;
  const footfall = stackedBars({
    title: `Footfall by ${stats.interval}: faces, members and fan-level visitors`,
    labels, tick, describe: label,
    series: [
      { name: 'members', values: stats.footfall.byBucket.map((b) => b.members), colour: COLOURS.member },
      { name: 'fan-level', values: stats.footfall.byBucket.map((b) => b.visitors), colour: COLOURS.visitor },
    ],
    format: whole,
  });
  const salesChart = sales
    ? stackedBars({
      title: `Sales by ${stats.interval} (${sales.currency}): members' and others'`,
      labels, tick, describe: label,
      series: [
        { name: 'members', values: sales.byBucket.map((b) => b.memberAmount), colour: COLOURS.member },
        { name: 'others', values: sales.byBucket.map((b) => b.amount - b.memberAmount), colour: COLOURS.other },
      ],
      format: money,
    })
    : h('p', {}, 'No sales reported in this period.');
  const membersChart = stackedBars({
    title: `Members and fan-level members joining by ${stats.interval}`,
    labels, tick, describe: label,
    series: [
      { name: 'members joined', values: stats.members.byBucket.map((b) => b.joinedMembers), colour: COLOURS.member },
      { name: 'converted', values: stats.members.byBucket.map((b) => b.converted), colour: COLOURS.good },
      { name: 'fan-level joined', values: stats.members.byBucket.map((b) => b.joinedVisitors), colour: COLOURS.visitor },
    ],
    format: whole,
  });
  const recognised = stackedBars({
    title: `Faces the cameras tracked by ${stats.interval}: recognised and not`,
    labels, tick, describe: label,
    series: [
      { name: 'recognised', values: stats.recognition.byBucket.map((b) => b.recognised), colour: COLOURS.good },
      { name: 'unknown', values: stats.recognition.byBucket.map((b) => b.tracked - b.recognised), colour: COLOURS.other },
    ],
    format: whole,
  });
  const zones = rankedBars({ title: 'Footfall by zone', items: stats.footfall.byZone.map((z) => ({ label: z.zone ?? 'no zone', value: z.faces })), format: whole });
  const brands = rankedBars({ title: 'Top brands by member spend', items: stats.topBrands.map((b) => ({ label: b.brand, value: b.memberSpend })), format: money, colour: COLOURS.good });
  const byBucket = table(['Bucket', 'Faces', 'Members', 'Fan-level', 'Recognised', 'Joined', 'Converted', 'Left', 'Net new members', 'Sales', 'Member share', 'Back from dormancy'],
    labels.map((bucket, i) => {
      const m = stats.members.byBucket[i];
      const s = sales?.byBucket[i];
      return [label(bucket), whole(stats.footfall.byBucket[i].faces), whole(stats.footfall.byBucket[i].members), whole(stats.footfall.byBucket[i].visitors),
        percent(stats.recognition.byBucket[i].share), whole(m.joinedMembers + m.joinedVisitors), whole(m.converted), whole(m.leftMembers + m.leftVisitors), whole(m.netNewMembers),
        s ? money(s.amount) : '—', percent(s?.memberShareOfAmount), whole(stats.returningFromDormant.byBucket[i].members)];
    }));
  return [
    h('section', { 'aria-labelledby': 'kpi-title' }, h('h2', { id: 'kpi-title' }, `${stats.mallId}: ${label(stats.buckets[0] ?? '')} – ${label(stats.buckets.at(-1) ?? '')} (${stats.timeZone})`), tiles),
    h('section', { id: 'chart-footfall' }, h('h2', {}, 'Footfall'), footfall, h('h3', {}, 'By zone'), zones,
      details('Footfall by zone, as a table', table(['Zone', 'Faces', 'Members', 'Fan-level'], stats.footfall.byZone.map((z) => [z.zone ?? 'no zone', whole(z.faces), whole(z.members), whole(z.visitors)])))),
    h('section', { id: 'chart-sales' }, h('h2', {}, 'Sales and the members’ share'), salesChart, h('h3', {}, 'Top brands by member spend'), brands),
    h('section', { id: 'chart-members' }, h('h2', {}, 'Members'), membersChart,
      h('p', {}, `Fan-level conversion: ${whole(stats.conversion.converted)} of ${whole(stats.conversion.ended)} fan-level memberships that ended in the period became full ones (${percent(stats.conversion.rate)}).`)),
    h('section', { id: 'chart-recognition' }, h('h2', {}, 'Recognition at the cameras'), recognised),
    h('section', { id: 'stats-table' }, h('h2', {}, 'Every figure, by bucket'), details('Show the table', byBucket, true)),
  ];
}

const tile = (term, value, id) => h('div', {}, h('dt', {}, term), h('dd', { id: `tile-${id}` }, value));
const details = (summary, content, open = false) => h('details', { open }, h('summary', {}, summary), content);
