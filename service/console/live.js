/* Live visits as entrance cameras report them. */
import { streamEvents } from './api.js';
import { describeError, h, say, show, state } from './ui.js';


export function liveView() {
  const rows = h('tbody', { id: 'live-rows' });
  show('live', h('section', {}, h('h2', {}, 'Camera visits, live'),
    h('table', {}, h('thead', {}, h('tr', {}, ['Time', 'Camera', 'Member', 'Tier', 'Distance', 'Track'].map((x) => h('th', { scope: 'col' }, x)))), rows)));
  state.liveAbort = new AbortController();
  streamEvents('/v1/events/visits', (event) => {
    rows.prepend(h('tr', {}, [new Date(event.at).toLocaleTimeString(), event.cameraId, event.name ?? `visitor ${event.memberId.slice(0, 8)}`, event.tier, event.distance, event.trackId ? event.trackId.slice(0, 8) : '—'].map((c) => h('td', {}, String(c)))));
    while (rows.children.length > 100) rows.lastChild.remove();
  }, state.liveAbort.signal).catch((error) => { if (error.name !== 'AbortError') say(describeError(error)); });
}
