/* Suspected duplicates side by side: dismiss, or merge into the member kept. */
import { api } from './api.js';
import { memberView, photoOf } from './members.js';
import { beginView, describeError, h, say } from './ui.js';


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

export async function duplicatesView() {
  const drawing = beginView();
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
  drawing.show('duplicates', h('section', {}, h('h2', {}, 'Suspected duplicates'),
    h('p', {}, 'Pairs of members whose faces the group-wide sweep found alike: the same person enrolled twice?'),
    pairs.length ? pairs : h('p', {}, 'None.')));
}
