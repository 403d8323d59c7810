import { api, ApiError, session, streamEvents } from './api.js';
import { hourChart, scoreChart } from './charts.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const statusBox = document.getElementById('status');
let me;
let liveAbort;

/** A DOM element from a tag, attributes and children (text or nodes). */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, '');
    else if (v !== false && v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  return node;
}

function say(message) {
  statusBox.textContent = message;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => (statusBox.textContent = ''), 5000);
}

const describeError = (error) => (error instanceof ApiError ? `${error.code}: ${error.message}` : String(error.message ?? error));

function show(view, ...sections) {
  liveAbort?.abort();
  for (const button of nav.querySelectorAll('[data-view]')) {
    if (button.dataset.view === view) button.setAttribute('aria-current', 'page');
    else button.removeAttribute('aria-current');
  }
  main.replaceChildren(...sections);
  main.focus();
}

// Sign in -------------------------------------------------------------------------------------

function signInView(problem) {
  nav.hidden = true;
  const input = h('input', { id: 'key', type: 'password', autocomplete: 'off', required: true, size: 40 });
  const form = h('form', { class: 'row', onsubmit: async (event) => {
    event.preventDefault();
    session.key = input.value.trim();
    await start();
  } }, h('label', { for: 'key' }, 'API key', input), h('button', { type: 'submit' }, 'Sign in'));
  show(null, h('section', {}, h('h2', {}, 'Sign in'), problem ? h('p', { role: 'alert' }, problem) : null, form));
  input.focus();
}

async function start() {
  if (!session.key) return signInView();
  try {
    me = await api('/v1/me');
  } catch (error) {
    session.key = null;
    return signInView(error instanceof ApiError && error.status === 401 ? 'That key was not accepted.' : describeError(error));
  }
  nav.hidden = false;
  for (const button of nav.querySelectorAll('[data-role="admin"]')) button.hidden = me.role !== 'admin';
  searchView();
}

// Members -------------------------------------------------------------------------------------

function searchView() {
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

async function photoOf(memberId, face) {
  if (!face.photoKey) return h('span', { class: 'tag' }, 'no photo kept');
  try {
    const blob = await api(`/v1/members/${memberId}/faces/${face.id}/photo`, { as: 'blob' });
    return h('img', { src: URL.createObjectURL(blob), alt: `enrolled face ${face.id.slice(0, 8)}` });
  } catch { return h('span', { class: 'tag' }, 'photo unavailable'); }
}

async function memberView(id) {
  let member, faces, visits, purchases, points, coupons;
  try {
    [member, { faces }, visits, purchases, points, { coupons }] = await Promise.all([
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

  const facesSection = h('section', {}, h('h2', {}, `Faces (${faces.length})`), h('div', { class: 'faces', id: 'faces' }, photos), enrollForm(id));
  const history = h('section', {}, h('h2', {}, 'Visits by hour of day'), hourChart(hours, 'visits by hour of day'),
    h('h2', {}, 'Visits'), table(['When', 'Camera', 'Sightings'], visits.items.map((v) => [new Date(v.firstSeenAt).toLocaleString(), v.cameraId, v.sightings])),
    h('h2', {}, 'Purchases'), table(['When', 'Transaction', 'Amount', 'Points', ''], purchases.items.map((x) => [new Date(x.at).toLocaleString(), x.transactionId, `${x.amount} ${x.currency}`, x.points,
      h('button', { type: 'button', class: 'secondary', 'data-refund': x.transactionId, onclick: () => refundDialog(id, x) }, 'Refund…')])));
  const loyalty = pointsSection(points, coupons);
  const purge = h('section', {}, h('h2', {}, 'Erase this member'), h('button', { type: 'button', class: 'danger', id: 'purge', onclick: () => confirmPurge(member, faces.length, visits.items.length, purchases.items.length) }, 'Purge…'));
  show('search', details, loyalty, facesSection, history, purge);
}

const when = (iso) => (iso ? new Date(iso).toLocaleDateString() : 'never');

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

function table(headings, rows) {
  if (rows.length === 0) return h('p', {}, 'None yet.');
  return h('table', {}, h('thead', {}, h('tr', {}, headings.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c instanceof Node ? c : String(c)))))));
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

// Identify tester -----------------------------------------------------------------------------

function identifyView() {
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
          ? `${face.member?.name ?? face.match.memberId} — similarity ${face.match.similarity}${face.match.via ? ' (seen at an entrance today)' : ''}`
          : `unknown (${face.unknownReason === 'low_quality' ? `low quality: ${face.quality.reasons.join(', ')}` : (face.unknownReason ?? 'no_close_member').replace(/_/g, ' ')})`) + livenessText(face), offersOf(face)))),
        scoreChart(faces.map((f, i) => ({ label: `face ${i + 1}`, score: me.faceModel.metric === 'cosine' ? f.match?.similarity : f.match?.distance })), me.thresholds.match, me.faceModel.metric));
    } catch (error) { say(describeError(error)); }
  });
  show('identify', h('section', {}, h('h2', {}, 'Who is in this photo?'),
    me.role === 'pos' ? h('p', {}, 'Signed in as a till: matched members show their offers.') : h('p', {}, "Sign in with a till's key to see the offers a till gets."), h('label', { for: 'identify-file' }, 'Photo', file),
    h('label', { for: 'identify-liveness' }, liveness, 'Require liveness (as a till does)'), canvas, list));
}

// Liveness challenge --------------------------------------------------------------------------

const STEP_TEXT = { turn_left: 'Turn your head to your left', turn_right: 'Turn your head to your right', blink: 'Blink' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tries an active liveness challenge with the webcam: a few frames a second for 8 s, then the verdict. */
function livenessView() {
  const video = h('video', { id: 'challenge-video', autoplay: true, playsinline: true, muted: true, width: 480 });
  const steps = h('ol', { id: 'challenge-steps' });
  const verdict = h('p', { id: 'challenge-verdict', 'aria-live': 'polite' });
  const after = h('div', { id: 'challenge-identify' });
  const run = async () => {
    start.disabled = true;
    verdict.textContent = '';
    after.replaceChildren();
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
      video.srcObject = stream;
      await video.play();
      const session = await api('/v1/liveness/sessions', { method: 'POST' });
      steps.replaceChildren(...session.challenge.map((step) => h('li', {}, STEP_TEXT[step] ?? step)));
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth || 640;
      canvas.height = video.videoHeight || 480;
      const grab = async () => {
        canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
        return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
      };
      let sent = 0;
      for (const until = Date.now() + 8000; Date.now() < until; await sleep(250)) {
        try {
          await api(`/v1/liveness/sessions/${session.sessionId}/frames`, { method: 'POST', image: await grab() });
          sent++;
        } catch (error) { say(describeError(error)); }
      }
      const judged = await api(`/v1/liveness/sessions/${session.sessionId}/verdict`, { method: 'POST' });
      verdict.textContent = judged.verdict.live
        ? `Passed (${sent} frames)`
        : `Not passed (${sent} frames): ${judged.verdict.reasons.map((r) => r.replace(/_/g, ' ')).join(', ')}`;
      if (judged.verdict.live) {
        after.replaceChildren(h('button', { type: 'button', onclick: async () => {
          try {
            const { faces } = await api(`/v1/identify?livenessSession=${session.sessionId}`, { method: 'POST', image: await grab() });
            after.append(h('p', {}, faces[0]?.match ? `${faces[0].member?.name ?? faces[0].match.memberId}` : 'unknown'));
          } catch (error) { say(describeError(error)); }
        } }, 'Identify with this session'));
      }
    } catch (error) {
      say(describeError(error));
    } finally {
      for (const track of stream?.getTracks() ?? []) track.stop();
      start.disabled = false;
    }
  };
  const start = h('button', { type: 'button', id: 'challenge-start', onclick: run }, 'Start a challenge');
  show('liveness', h('section', {}, h('h2', {}, 'Liveness challenge'),
    h('p', {}, 'Face the camera, then follow the steps as they are shown. Frames are measured, never kept.'), start, video, steps, verdict, after));
}

// Cameras -------------------------------------------------------------------------------------

/** The cameras Visage pulls, their streams refreshed every 2 s; add, disable or enable, remove. */
async function camerasView() {
  const rows = h('tbody', { id: 'camera-rows' });
  const fields = { id: h('input', { id: 'camera-id', required: true, size: 12 }), name: h('input', { id: 'camera-name', required: true }), url: h('input', { id: 'camera-url', required: true, size: 40, placeholder: 'rtsp://user:password@host/stream' }) };
  const add = h('form', { class: 'row', onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api('/v1/cameras', { method: 'POST', json: { id: fields.id.value.trim(), name: fields.name.value.trim(), url: fields.url.value.trim() } });
      fields.url.value = '';
      await refresh();
    } catch (error) { say(describeError(error)); }
  } }, h('label', {}, 'Id', fields.id), h('label', {}, 'Name', fields.name), h('label', {}, 'Stream URL', fields.url), h('button', { type: 'submit' }, 'Add camera'));
  const act = (camera, init) => async () => {
    try { await api(`/v1/cameras/${camera.id}`, init); await refresh(); } catch (error) { say(describeError(error)); }
  };
  const refresh = async () => {
    const { cameras } = await api('/v1/cameras');
    rows.replaceChildren(...cameras.map((camera) => h('tr', { 'data-camera': camera.id }, [
      camera.name, camera.url, camera.stream.state, `${camera.sampleFps}/s`, `${camera.stream.analysed} analysed, ${camera.stream.dropped} dropped`,
      camera.stream.lagMs === null ? '—' : `${camera.stream.lagMs} ms`, camera.stream.lastError ?? '',
      h('span', {},
        h('button', { type: 'button', onclick: act(camera, { method: 'PATCH', json: { enabled: !camera.enabled } }) }, camera.enabled ? 'Disable' : 'Enable'),
        h('button', { type: 'button', class: 'danger', onclick: act(camera, { method: 'DELETE' }) }, 'Remove')),
    ].map((c) => h('td', {}, c)))));
  };
  show('cameras', h('section', {}, h('h2', {}, 'Cameras'), add,
    h('table', {}, h('thead', {}, h('tr', {}, ['Camera', 'Stream', 'State', 'Sampling', 'Frames', 'Lag', 'Last error', ''].map((x) => h('th', { scope: 'col' }, x)))), rows)));
  await refresh();
  liveAbort = new AbortController();
  const signal = liveAbort.signal;
  (async () => {
    while (!signal.aborted) {
      await sleep(2000);
      if (!signal.aborted) await refresh().catch((error) => say(describeError(error)));
    }
  })();
}

// Live visits ---------------------------------------------------------------------------------

function liveView() {
  const rows = h('tbody', { id: 'live-rows' });
  show('live', h('section', {}, h('h2', {}, 'Camera visits, live'),
    h('table', {}, h('thead', {}, h('tr', {}, ['Time', 'Camera', 'Member', 'Tier', 'Distance', 'Track'].map((x) => h('th', { scope: 'col' }, x)))), rows)));
  liveAbort = new AbortController();
  streamEvents('/v1/events/visits', (event) => {
    rows.prepend(h('tr', {}, [new Date(event.at).toLocaleTimeString(), event.cameraId, event.name ?? `visitor ${event.memberId.slice(0, 8)}`, event.tier, event.distance, event.trackId ? event.trackId.slice(0, 8) : '—'].map((c) => h('td', {}, String(c)))));
    while (rows.children.length > 100) rows.lastChild.remove();
  }, liveAbort.signal).catch((error) => { if (error.name !== 'AbortError') say(describeError(error)); });
}

// Webhooks ------------------------------------------------------------------------------------

const EVENT_TYPES = ['visit.started', 'purchase.recorded', 'purchase.refunded', 'points.redeemed', 'points.expiring', 'points.expired', 'coupon.issued', 'coupon.redeemed',
  'visitor.created', 'visitor.converted', 'member.created', 'member.purged'];

/** Mall systems' subscriptions: add one (its secret shown once), pause, test, remove; its recent deliveries, with retry. */
async function webhooksView() {
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

// Campaigns -----------------------------------------------------------------------------------

const TRIGGERS = ['purchase', 'visit', 'enrollment', 'birthday', 'returning_from_dormant', 'first_visit_of_month'];

/** What a campaign does, in words. */
function effectText(effect) {
  if (effect.bonusPoints) return `${effect.bonusPoints} bonus points`;
  if (effect.pointsMultiplier) return `points × ${effect.pointsMultiplier}`;
  const c = effect.coupon;
  return `coupon "${c.title}": ${c.kind === 'percent_off' ? `${c.value}% off` : c.kind === 'amount_off' ? `${c.value} off` : `gift worth ${c.value}`}, ${c.validDays} days`;
}

async function campaignsView() {
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

// Suspected duplicates ------------------------------------------------------------------------

/** One side of a suspected pair: the member, their photo of the face that matched, a keep button. */
async function duplicateSide(card, memberId, faceId, keep) {
  let photo;
  try {
    photo = await photoOf(memberId, await api(`/v1/members/${memberId}/faces/${faceId}`));
  } catch { photo = h('span', { class: 'tag' }, 'face gone'); }
  const name = card?.name ?? (card?.kind === 'visitor' ? 'anonymous visitor' : 'unnamed member');
  return h('figure', { class: 'duplicate-side' }, photo,
    h('figcaption', {}, h('a', { href: '#', onclick: (event) => { event.preventDefault(); memberView(memberId); } }, name), h('br'),
      h('span', { class: 'tag' }, `home ${card?.homeMallId ?? '—'}`), h('span', { class: 'tag' }, `since ${card ? new Date(card.createdAt).toLocaleDateString() : '—'}`)),
    h('button', { type: 'button', onclick: keep }, `Keep ${name}`));
}

async function duplicatesView() {
  const { duplicates } = await api('/v1/admin/duplicates');
  const decide = async (path, json, done) => {
    try {
      await api(path, { method: 'POST', json });
      say(done);
      await duplicatesView();
    } catch (error) { say(describeError(error)); }
  };
  const pairs = await Promise.all(duplicates.map(async (d) => {
    const merge = (keep, other) => () => {
      if (!window.confirm(`Keep ${keep.slice(0, 8)}, move the other's visits, purchases and points to it, and purge the other?`)) return;
      return decide(`/v1/admin/duplicates/${d.id}/merge`, { keep }, `Merged: ${other.slice(0, 8)} purged`);
    };
    return h('section', { class: 'duplicate', 'data-duplicate': d.id },
      h('h3', {}, `Similarity ${d.similarity.toFixed(3)}, found ${new Date(d.foundAt).toLocaleString()}`),
      h('div', { class: 'faces' },
        await duplicateSide(d.member, d.memberId, d.faceId, merge(d.memberId, d.otherMemberId)),
        await duplicateSide(d.otherMember, d.otherMemberId, d.otherFaceId, merge(d.otherMemberId, d.memberId))),
      h('button', { type: 'button', onclick: () => decide(`/v1/admin/duplicates/${d.id}/dismiss`, undefined, 'Dismissed: two different people') }, 'Different people (dismiss)'));
  }));
  show('duplicates', h('section', {}, h('h2', {}, 'Suspected duplicates'),
    h('p', {}, 'Pairs of members whose faces the group-wide sweep found alike: the same person enrolled twice?'),
    pairs.length ? pairs : h('p', {}, 'None.')));
}

// Admin ---------------------------------------------------------------------------------------

async function adminView() {
  const [{ keys }, audit] = await Promise.all([api('/v1/keys'), api('/v1/audit?limit=50')]);
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
  show('admin',
    h('section', {}, h('h2', {}, 'API keys'), create, shown, h('table', {}, h('tbody', {}, keyRows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))))),
    h('section', {}, h('h2', {}, 'Audit log'), table(['When', 'Who', 'Action', 'Member', 'Outcome'], audit.items.map((e) => [new Date(e.at).toLocaleString(), `${e.keyName ?? '—'} (${e.role ?? '—'})`, e.action, e.memberId ?? '—', e.outcome]))));
}

// Wiring --------------------------------------------------------------------------------------

const views = { search: searchView, identify: identifyView, liveness: livenessView, cameras: () => camerasView().catch((e) => say(describeError(e))), live: liveView, campaigns: () => campaignsView().catch((e) => say(describeError(e))), duplicates: () => duplicatesView().catch((e) => say(describeError(e))), webhooks: () => webhooksView().catch((e) => say(describeError(e))), admin: () => adminView().catch((e) => say(describeError(e))) };
nav.addEventListener('click', (event) => {
  const view = event.target.closest('[data-view]')?.dataset.view;
  if (view) views[view]();
});
document.getElementById('sign-out').addEventListener('click', () => { session.key = null; me = undefined; signInView(); });
start();
