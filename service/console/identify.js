/* The identify tester: who is in this photo, with boxes, scores, liveness and (for a till's key) the offers. */
import { api } from './api.js';
import { scoreChart } from './charts.js';
import { describeError, h, say, show, state, when } from './ui.js';

/** Where the member was found, as the till reads it. */
const VIA_TEXT = { 'seen-today': 'seen at this mall today', regulars: 'a regular here', 'second-factor': 'confirmed by a second factor' };

export function identifyView() {
  const file = h('input', { id: 'identify-file', type: 'file', accept: 'image/*' });
  const canvas = h('canvas', { id: 'identify-canvas', width: 10, height: 10, role: 'img', 'aria-label': 'photo with the detected faces' });
  const list = h('div', { id: 'identify-results' });
  const liveness = h('input', { id: 'identify-liveness', type: 'checkbox' });
  file.addEventListener('change', async () => {
    const image = file.files[0];
    if (!image) return;
    try {
      const { faces } = await api(`/v1/identify${liveness.checked ? '?liveness=required' : ''}`, { method: 'POST', image });
      const bitmap = await createImageBitmap(image);
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      const g = canvas.getContext('2d');
      g.drawImage(bitmap, 0, 0);
      g.lineWidth = Math.max(2, bitmap.width / 300);
      g.font = `${Math.max(14, bitmap.width / 50)}px sans-serif`;
      faces.forEach((face, i) => {
        const known = face.match !== null;
        g.strokeStyle = g.fillStyle = known ? '#16c46a' : face.quality?.ok === false ? '#ffb400' : '#ff4d5a';
        g.strokeRect(face.box.x, face.box.y, face.box.width, face.box.height);
        g.fillText(`${i + 1}. ${known ? face.member?.name ?? face.match.memberId.slice(0, 8) : 'unknown'}`, face.box.x, Math.max(16, face.box.y - 6));
      });
      const livenessText = (face) => (face.liveness ? ` — liveness: ${face.liveness.live ? 'live' : 'not live'} (score ${face.liveness.score})` : '');
      const offersOf = (face) => (face.offers ? h('div', { class: 'offers' },
        face.offers.coupons.length ? h('p', {}, 'Coupons: ', face.offers.coupons.map((c) => h('span', { class: 'tag' }, `${c.title} (until ${when(c.expiresAt)})`))) : null,
        face.offers.campaigns.length ? h('p', {}, 'Campaigns: ', face.offers.campaigns.map((c) => h('span', { class: 'tag' }, c.name))) : null,
        face.offers.coupons.length + face.offers.campaigns.length === 0 ? h('p', {}, 'No offers.') : null) : null);
      list.replaceChildren(
        h('ol', {}, faces.map((face) => h('li', {}, (face.match
          ? `${face.member?.name ?? face.match.memberId} — similarity ${face.match.similarity}${face.match.via ? ` (${VIA_TEXT[face.match.via] ?? face.match.via})` : ''}`
          : `unknown (${face.unknownReason === 'low_quality' ? `low quality: ${face.quality.reasons.join(', ')}` : (face.unknownReason ?? 'no_close_member').replace(/_/g, ' ')})`) + livenessText(face), offersOf(face)))),
        scoreChart(faces.map((f, i) => ({ label: `face ${i + 1}`, score: state.me.faceModel.metric === 'cosine' ? f.match?.similarity : f.match?.distance })), state.me.thresholds.match, state.me.faceModel.metric));
    } catch (error) { say(describeError(error)); }
  });
  show('identify', h('section', {}, h('h2', {}, 'Who is in this photo?'),
    state.me.role === 'pos' ? h('p', {}, 'Signed in as a till: matched members show their offers.') : h('p', {}, "Sign in with a till's key to see the offers a till gets."), h('label', { for: 'identify-file' }, 'Photo', file),
    h('label', { for: 'identify-liveness' }, liveness, 'Require liveness (as a till does)'), canvas, list));
}
