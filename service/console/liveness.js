/* The active liveness challenge with the webcam. */
import { api } from './api.js';
import { describeError, h, say, show, sleep } from './ui.js';

const STEP_TEXT = { turn_left: 'Turn your head to your left', turn_right: 'Turn your head to your right', blink: 'Blink' };

/** Tries an active liveness challenge with the webcam: a few frames a second for 8 s, then the verdict. */
export function livenessView() {
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
