/* Cameras Visage pulls: add, watch their streams, disable, remove. */
import { api } from './api.js';
import { floorPlanSection } from './floorPlan.js';
import { beginView, describeError, h, say, sleep, state } from './ui.js';


/** The cameras Visage pulls, their streams refreshed every 2 s; add, disable or enable, remove. */
export async function camerasView() {
  const drawing = beginView();
  const rows = h('tbody', { id: 'camera-rows' });
  const fields = {
    id: h('input', { id: 'camera-id', required: true, size: 12 }),
    name: h('input', { id: 'camera-name', required: true }),
    url: h('input', { id: 'camera-url', required: true, size: 40, placeholder: 'rtsp://user:password@host/stream' }),
    zone: h('input', { id: 'camera-zone', size: 12, placeholder: 'entrance', pattern: '[a-z][a-z0-9_\\-]{0,39}' }),
  };
  const add = h('form', { class: 'row', onsubmit: async (event) => {
    event.preventDefault();
    try {
      const zone = fields.zone.value.trim();
      await api('/v1/cameras', { method: 'POST', json: { id: fields.id.value.trim(), name: fields.name.value.trim(), url: fields.url.value.trim(), ...(zone ? { zone } : {}) } });
      fields.url.value = '';
      await refresh();
    } catch (error) { say(describeError(error)); }
  } }, h('label', {}, 'Id', fields.id), h('label', {}, 'Name', fields.name), h('label', {}, 'Stream URL', fields.url), h('label', {}, 'Zone', fields.zone), h('button', { type: 'submit' }, 'Add camera'));
  const act = (camera, init) => async () => {
    try { await api(`/v1/cameras/${camera.id}`, init); await refresh(); } catch (error) { say(describeError(error)); }
  };
  let cameras = [];
  const refresh = async () => {
    ({ cameras } = await api('/v1/cameras'));
    rows.replaceChildren(...cameras.map((camera) => h('tr', { 'data-camera': camera.id }, [
      camera.name, camera.zone ?? '—', camera.url, camera.stream.state, `${camera.sampleFps}/s`, `${camera.stream.analysed} analysed, ${camera.stream.dropped} dropped`,
      camera.stream.lagMs === null ? '—' : `${camera.stream.lagMs} ms`, camera.stream.lastError ?? '',
      h('span', {},
        h('button', { type: 'button', onclick: act(camera, { method: 'PATCH', json: { enabled: !camera.enabled } }) }, camera.enabled ? 'Disable' : 'Enable'),
        h('button', { type: 'button', class: 'danger', onclick: act(camera, { method: 'DELETE' }) }, 'Remove')),
    ].map((c) => h('td', {}, c)))));
  };
  await refresh();
  const plan = await floorPlanSection(() => cameras, refresh);
  // Another view began meanwhile: nothing drawn, and no live stream opened for a view not shown.
  if (!drawing.show('cameras', h('section', {}, h('h2', {}, 'Cameras'), add,
    h('table', {}, h('thead', {}, h('tr', {}, ['Camera', 'Zone', 'Stream', 'State', 'Sampling', 'Frames', 'Lag', 'Last error', ''].map((x) => h('th', { scope: 'col' }, x)))), rows)),
    plan)) return;
  state.liveAbort = new AbortController();
  const signal = state.liveAbort.signal;
  (async () => {
    while (!signal.aborted) {
      await sleep(2000);
      if (!signal.aborted) await refresh().catch((error) => say(describeError(error)));
    }
  })();
}
