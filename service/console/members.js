/* Members: find, create, the member page (profile, points, faces, history, refunds) and the purge. */
import { api } from './api.js';
import { hourChart } from './charts.js';
import { trailSection } from './trail.js';
import { beginView, describeError, h, say, show, table, when } from './ui.js';

export function searchView() {
  const kind = h('select', { id: 'lookup-kind' }, ['name', 'phone', 'alipay', 'wechat', 'app'].map((k) => h('option', { value: k }, k)));
  const value = h('input', { id: 'lookup-value', required: true });
  const results = h('div', { id: 'results' });
  const search = h('form', { class: 'row', onsubmit: async (event) => {
    event.preventDefault();
    try {
      const { members } = await api(`/v1/members?${encodeURIComponent(kind.value)}=${encodeURIComponent(value.value.trim())}`);
      results.replaceChildren(members.length === 0 ? h('p', {}, 'No member found.') : h('ul', {}, members.map((m) =>
        h('li', {}, h('button', { type: 'button', class: 'secondary', onclick: () => memberView(m.id) }, `${m.name ?? '(anonymous visitor)'} · ${m.phone ?? ''} · ${m.kind}`)))));
    } catch (error) { say(describeError(error)); }
  } }, h('label', {}, 'Find by', kind), h('label', {}, 'Value', value), h('button', { type: 'submit' }, 'Find'));

  const name = h('input', { id: 'new-name', required: true });
  const phone = h('input', { id: 'new-phone', inputmode: 'tel', pattern: '\\+?[0-9]{6,15}' });
  const consent = h('input', { id: 'new-consent', type: 'checkbox' });
  const create = h('form', { class: 'row', onsubmit: async (event) => {
    event.preventDefault();
    try {
      const member = await api('/v1/members', { method: 'POST', json: {
        name: name.value.trim(),
        ...(phone.value.trim() ? { phone: phone.value.trim() } : {}),
        consent: { faceRecognition: consent.checked, source: 'console' },
      } });
      say('Member created');
      memberView(member.id);
    } catch (error) { say(describeError(error)); }
  } }, h('label', {}, 'Name', name), h('label', {}, 'Phone', phone),
    h('label', {}, h('span', {}, 'Consents to face recognition'), consent), h('button', { type: 'submit' }, 'Create member'));

  show('search', h('section', {}, h('h2', {}, 'Find a member'), search, results), h('section', {}, h('h2', {}, 'New member'), create));
  value.focus();
}

export async function photoOf(memberId, face) {
  if (!face.photoKey) return h('span', { class: 'tag' }, 'no photo kept');
  try {
    const blob = await api(`/v1/members/${memberId}/faces/${face.id}/photo`, { as: 'blob' });
    return h('img', { src: URL.createObjectURL(blob), alt: `enrolled face ${face.id.slice(0, 8)}` });
  } catch { return h('span', { class: 'tag' }, 'photo unavailable'); }
}

export async function memberView(id) {
  const drawing = beginView();
  let member, faces, adaptive, visits, purchases, points, coupons;
  try {
    [member, { faces, adaptive }, visits, purchases, points, { coupons }] = await Promise.all([
      api(`/v1/members/${id}`), api(`/v1/members/${id}/faces`), api(`/v1/members/${id}/visits?limit=100`), api(`/v1/members/${id}/purchases?limit=50`),
      api(`/v1/members/${id}/points`), api(`/v1/members/${id}/coupons`),
    ]);
  } catch (error) { return say(describeError(error)); }
  const p = member.profile;
  const hours = new Array(24).fill(0);
  for (const v of visits.items) hours[new Date(v.firstSeenAt).getHours()] += 1;
  const photos = await Promise.all(faces.map((f) => photoOf(id, f)));

  const details = h('section', { 'aria-labelledby': 'member-name' },
    h('h2', { id: 'member-name' }, member.name ?? 'Anonymous visitor'),
    h('div', { class: 'grid' },
      h('dl', {}, h('dt', {}, 'Kind'), h('dd', {}, member.kind), h('dt', {}, 'Phone'), h('dd', {}, member.phone ?? '—'),
        h('dt', {}, 'External ids'), h('dd', {}, Object.entries(member.externalIds).map(([k, v]) => `${k}: ${v}`).join(', ') || '—')),
      h('dl', {}, h('dt', {}, 'Tier'), h('dd', { id: 'tier' }, p.tier), h('dt', {}, 'Points'), h('dd', { id: 'points' }, String(p.pointsBalance)),
        h('dt', {}, 'Segment'), h('dd', {}, p.segment)),
      h('dl', {}, h('dt', {}, 'Visits in 30 days'), h('dd', {}, String(p.visitsLast30Days)), h('dt', {}, 'Typical hour'),
        h('dd', {}, p.typicalVisitHour === null ? '—' : `${p.typicalVisitHour}:00`), h('dt', {}, 'Favourite categories'),
        h('dd', {}, p.favouriteCategories.map((c) => c.category).join(', ') || '—'))),
    h('p', {}, p.tags.map((t) => h('span', { class: 'tag' }, t))));

  // Adaptive templates (learnt at tills, no photo kept): listed apart, each removable.
  const removeAdaptive = async (face) => {
    try { await api(`/v1/members/${id}/faces/${face.id}`, { method: 'DELETE' }); await memberView(id); } catch (error) { say(describeError(error)); }
  };
  const learnt = adaptive.length
    ? h('div', { id: 'adaptive-faces' }, h('h3', {}, `Learnt at tills (${adaptive.length})`),
      table(['Learnt', 'Face', ''], adaptive.map((f) => [new Date(f.createdAt).toLocaleString(), f.id.slice(0, 8),
        h('button', { type: 'button', class: 'secondary', onclick: () => removeAdaptive(f) }, 'Remove')])))
    : null;
  const facesSection = h('section', {}, h('h2', {}, `Faces (${faces.length})`), h('div', { class: 'faces', id: 'faces' }, photos), learnt, enrollForm(id));
  const history = h('section', {}, h('h2', {}, 'Visits by hour of day'), hourChart(hours, 'visits by hour of day'),
    h('h2', {}, 'Visits'), table(['When', 'Camera', 'Sightings'], visits.items.map((v) => [new Date(v.firstSeenAt).toLocaleString(), v.cameraId ?? '(past the trail retention)', v.sightings])),
    h('h2', {}, 'Purchases'), table(['When', 'Transaction', 'Amount', 'Points', ''], purchases.items.map((x) => [new Date(x.at).toLocaleString(), x.transactionId, `${x.amount} ${x.currency}`, x.points,
      h('button', { type: 'button', class: 'secondary', 'data-refund': x.transactionId, onclick: () => refundDialog(id, x) }, 'Refund…')])));
  const loyalty = pointsSection(points, coupons);
  const purge = h('section', {}, h('h2', {}, 'Erase this member'), h('button', { type: 'button', class: 'danger', id: 'purge', onclick: () => confirmPurge(member, faces.length, visits.items.length, purchases.items.length) }, 'Purge…'));
  drawing.show('search', details, loyalty, facesSection, trailSection(member), history, purge);
}


/** The member's points (where they came from and went), the lots with their expiry, and the coupons. */
function pointsSection(points, coupons) {
  const couponState = (c) => (c.usedAt ? `used ${new Date(c.usedAt).toLocaleDateString()} (${c.usedTransactionId})` : Date.parse(c.expiresAt) <= Date.now() ? 'expired' : 'usable');
  const valueOf = (c) => (c.kind === 'percent_off' ? `${c.value}% off` : c.kind === 'amount_off' ? `${c.value} off` : `gift worth ${c.value}`);
  return h('section', { id: 'loyalty' }, h('h2', {}, 'Points'),
    h('p', { id: 'points-summary' }, `Balance ${points.balance} = earned ${points.earned} − spent ${points.spent} − expired ${points.expired} − reversed ${points.reversed}`),
    points.expiringSoon.length ? h('p', { class: 'verdict bad', id: 'points-expiring' }, `Expiring soon: ${points.expiringSoon.map((e) => `${e.points} on ${when(e.expiresAt)}`).join(', ')}`) : null,
    h('h3', {}, 'Lots (spent oldest first)'),
    h('div', { id: 'lots' }, table(['Earned', 'From', 'Points', 'Left', 'Expires'], points.lots.map((l) => [when(l.at), l.transactionId ?? l.reason, l.points, l.remaining, when(l.expiresAt)]))),
    h('h3', {}, 'Coupons'),
    h('div', { id: 'coupons' }, table(['Coupon', 'Value', 'Minimum spend', 'Expires', 'State'], coupons.map((c) => [c.title, valueOf(c), c.minSpend || '—', when(c.expiresAt), couponState(c)]))));
}

/** Refund part or all of a purchase; the answer says the points reversed and those already spent. */
function refundDialog(memberId, purchase) {
  const amount = h('input', { id: 'refund-amount', type: 'number', min: '0.01', step: '0.01', max: String(purchase.amount), value: String(purchase.amount), required: true });
  const dialog = h('dialog', { 'aria-labelledby': 'refund-title' },
    h('h2', { id: 'refund-title' }, `Refund ${purchase.transactionId}`),
    h('form', { method: 'dialog', onsubmit: async (event) => {
      event.preventDefault();
      try {
        const refund = await api(`/v1/members/${memberId}/purchases/${encodeURIComponent(purchase.transactionId)}/refunds`, {
          method: 'POST', json: { refundId: `console:${crypto.randomUUID()}`, amount: Number(amount.value) },
        });
        dialog.close();
        say(`Refunded ${refund.amount}: ${refund.pointsReversed} point(s) reversed${refund.pointsUnrecoverable ? `, ${refund.pointsUnrecoverable} already spent` : ''}`);
        memberView(memberId);
      } catch (error) { say(describeError(error)); }
    } }, h('label', {}, `Amount (at most ${purchase.amount})`, amount),
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'), h('button', { type: 'submit', id: 'refund-go' }, 'Refund'))));
  document.body.append(dialog);
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
  amount.focus();
}

/** Enrollment by upload or webcam: the quality verdict is shown first, saving is a second step. */
function enrollForm(memberId) {
  const file = h('input', { id: 'enroll-file', type: 'file', accept: 'image/*' });
  const verdict = h('div', { id: 'verdict', 'aria-live': 'polite' });
  const save = h('button', { type: 'button', id: 'enroll-save', hidden: true }, 'Save this face');
  const video = h('video', { autoplay: true, playsinline: true, muted: true, hidden: true, width: 320 });
  let candidate;

  async function check(blob) {
    candidate = blob;
    save.hidden = true;
    try {
      const result = await api(`/v1/members/${memberId}/faces?dryRun=true`, { method: 'POST', image: blob });
      verdict.replaceChildren(h('p', { class: 'verdict ok' }, `Good to enroll: face ${result.box.width}×${result.box.height} px, sharpness ${result.quality.sharpness}, brightness ${result.quality.brightness}.`));
      save.hidden = false;
      save.focus();
    } catch (error) {
      const reasons = error.body?.error?.reasons ? ` (${error.body.error.reasons.join(', ')})` : '';
      verdict.replaceChildren(h('p', { class: 'verdict bad' }, `Not enrolled: ${describeError(error)}${reasons}`));
    }
  }
  file.addEventListener('change', () => file.files[0] && check(file.files[0]));
  save.addEventListener('click', async () => {
    try {
      await api(`/v1/members/${memberId}/faces`, { method: 'POST', image: candidate });
      say('Face enrolled');
      memberView(memberId);
    } catch (error) { verdict.replaceChildren(h('p', { class: 'verdict bad' }, describeError(error))); }
  });
  const camera = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    if (video.hidden) {
      try {
        video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
        video.hidden = false;
        camera.textContent = 'Take photo';
      } catch (error) { say(`Camera unavailable: ${error.message}`); }
      return;
    }
    const canvas = h('canvas', { width: video.videoWidth, height: video.videoHeight });
    canvas.getContext('2d').drawImage(video, 0, 0);
    canvas.toBlob((blob) => blob && check(blob), 'image/jpeg', 0.92);
  } }, 'Use the camera');
  return h('div', {}, h('h3', {}, 'Enroll a face'), h('div', { class: 'row' }, h('label', { for: 'enroll-file' }, 'Photo', file), camera), video, verdict, save);
}

function confirmPurge(member, faces, visits, purchases) {
  const what = `${member.name ?? 'this anonymous visitor'}: ${faces} face template(s) and their photos, ${visits} visit(s), ${purchases} purchase(s) and the points ledger, from the database, the photo store and every replica's index`;
  const typed = h('input', { id: 'purge-confirm', autocomplete: 'off' });
  const dialog = h('dialog', { 'aria-labelledby': 'purge-title' },
    h('h2', { id: 'purge-title' }, 'Purge this member?'),
    h('p', {}, `This erases ${what}. It cannot be undone.`),
    h('label', {}, 'Type PURGE to confirm', typed),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'button', class: 'danger', id: 'purge-go', onclick: async () => {
        if (typed.value !== 'PURGE') return typed.focus();
        try {
          const { purged } = await api(`/v1/members/${member.id}`, { method: 'DELETE' });
          dialog.close();
          say(`Purged: ${purged.faces} face(s), ${purged.images} photo(s), ${purged.events} event(s)`);
          searchView();
        } catch (error) { say(describeError(error)); }
      } }, 'Purge')));
  document.body.append(dialog);
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
  typed.focus();
}
