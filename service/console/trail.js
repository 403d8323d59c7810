/* A member's path through the mall on one day, drawn over the mall's floor plan (GET /v1/members/:id/trail). */
import { api, ApiError } from './api.js';
import { trailOnPlan } from './charts.js';
import { describeError, h, table } from './ui.js';

const today = () => new Date().toLocaleDateString('en-CA'); // YYYY-MM-DD, the browser's day

/** The section: a day to pick, the path on the plan, and the stops as a table. */
export function trailSection(member) {
  const date = h('input', { id: 'trail-date', type: 'date', value: today(), max: today() });
  const body = h('div', { id: 'trail', 'aria-live': 'polite' });
  const load = async () => {
    body.removeAttribute('data-ready');
    try {
      const trail = await api(`/v1/members/${member.id}/trail?date=${date.value}`);
      body.replaceChildren(...(await drawn(trail, trail.stops[0]?.mallId ?? member.homeMallId)));
    } catch (error) {
      body.replaceChildren(h('p', {}, error instanceof ApiError && error.code === 'TRAIL_NOT_KEPT' ? 'This deployment keeps no trails (TRAIL_RETENTION_DAYS=0).' : describeError(error)));
    }
    body.setAttribute('data-ready', 'true');
  };
  date.addEventListener('change', load);
  load();
  return h('section', {}, h('h2', {}, 'Path through the mall'), h('div', { class: 'row' }, h('label', { for: 'trail-date' }, 'Day', date)), body);
}

async function drawn(trail, mallId) {
  if (trail.stops.length === 0) return [h('p', {}, `No sightings on ${trail.date}.`)];
  const stops = table(['#', 'Camera', 'Zone', 'First seen', 'Last seen', 'Dwell'], trail.stops.map((stop, i) => [
    i + 1, stop.camera?.name ?? `${stop.cameraId} (removed)`, stop.camera?.zone ?? '—',
    new Date(stop.firstSeenAt).toLocaleTimeString(), new Date(stop.lastSeenAt).toLocaleTimeString(), `${Math.round(stop.dwellSeconds / 60)} min`,
  ]));
  let plan;
  try {
    const blob = await api(`/v1/malls/${encodeURIComponent(mallId)}/floor-plan`, { as: 'blob' });
    const { width, height } = await createImageBitmap(blob);
    plan = trailOnPlan({ planUrl: URL.createObjectURL(blob), width, height, stops: trail.stops });
  } catch (error) {
    plan = h('p', {}, error instanceof ApiError && error.code === 'FLOOR_PLAN_NOT_FOUND' ? 'No floor plan uploaded for this mall yet (POST /v1/malls/:id/floor-plan).' : describeError(error));
  }
  return [plan, stops];
}
