/* A mall's floor plan on the cameras page: upload it, and place each camera on it with a click. */
import { api, ApiError } from './api.js';
import { describeError, h, say } from './ui.js';

/**
 * The section: the mall, its plan (uploaded here), the cameras of the mall as dots; pick a camera,
 * then click the plan where it hangs (stored as fractions of the plan: PATCH /v1/cameras/:id).
 */
export async function floorPlanSection(cameras, onChange) {
  const malls = (await api('/v1/malls')).malls;
  const mall = h('select', { id: 'plan-mall' }, malls.map((m) => h('option', { value: m.id }, m.name)));
  const file = h('input', { id: 'plan-file', type: 'file', accept: 'image/png,image/jpeg,image/webp' });
  const camera = h('select', { id: 'plan-camera' });
  const stage = h('div', { id: 'plan-stage', class: 'plan-stage' });
  const draw = async () => {
    stage.removeAttribute('data-ready');
    const here = cameras().filter((c) => c.mallId === mall.value);
    camera.replaceChildren(...here.map((c) => h('option', { value: c.id }, `${c.name}${c.zone ? ` (${c.zone})` : ''}`)));
    try {
      const blob = await api(`/v1/malls/${encodeURIComponent(mall.value)}/floor-plan`, { as: 'blob' });
      const img = h('img', { src: URL.createObjectURL(blob), alt: `floor plan of ${mall.value}` });
      const dots = here.filter((c) => c.position).map((c) =>
        h('span', { class: 'plan-dot', 'data-camera': c.id, title: `${c.name}${c.zone ? `, ${c.zone}` : ''}`, style: `left:${c.position.x * 100}%;top:${c.position.y * 100}%` }, c.name));
      img.addEventListener('click', async (event) => {
        if (!camera.value) return say('Add a camera to this mall first');
        const box = img.getBoundingClientRect();
        const position = { x: round((event.clientX - box.left) / box.width), y: round((event.clientY - box.top) / box.height) };
        try {
          await api(`/v1/cameras/${encodeURIComponent(camera.value)}`, { method: 'PATCH', json: { position } });
          say(`${camera.value} placed at ${position.x}, ${position.y}`);
          await onChange();
          await draw();
        } catch (error) { say(describeError(error)); }
      });
      stage.replaceChildren(img, ...dots);
      stage.setAttribute('data-ready', 'true');
    } catch (error) {
      stage.replaceChildren(h('p', {}, error instanceof ApiError && error.code === 'FLOOR_PLAN_NOT_FOUND' ? 'No floor plan yet: upload one.' : describeError(error)));
      stage.setAttribute('data-ready', 'true');
    }
  };
  file.addEventListener('change', async () => {
    if (!file.files[0]) return;
    try {
      const plan = await api(`/v1/malls/${encodeURIComponent(mall.value)}/floor-plan`, { method: 'POST', image: file.files[0] });
      say(`Floor plan kept: ${plan.width}×${plan.height}`);
      await draw();
    } catch (error) { say(describeError(error)); }
  });
  mall.addEventListener('change', draw);
  await draw();
  return h('section', {}, h('h2', {}, 'Floor plan'),
    h('div', { class: 'row' }, h('label', {}, 'Mall', mall), h('label', { for: 'plan-file' }, 'Upload a plan', file), h('label', {}, 'Camera to place', camera)),
    h('p', {}, 'Pick a camera, then click the plan where it hangs.'), stage);
}

const round = (v) => Math.min(1, Math.max(0, Math.round(v * 1000) / 1000));
