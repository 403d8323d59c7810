// Small SVG charts: people would rather look than read.
import { h } from './ui.js';
const NS = 'http://www.w3.org/2000/svg';
const el = (name, attrs = {}, text) => {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
};

/** Bars of counts by hour of day (0–23). */
export function hourChart(counts, title) {
  const width = 480, height = 160, pad = 24, max = Math.max(1, ...counts);
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title });
  svg.append(el('title', {}, title));
  const bar = (width - 2 * pad) / 24;
  counts.forEach((n, hour) => {
    const h = ((height - 2 * pad) * n) / max;
    svg.append(el('rect', { x: pad + hour * bar + 1, y: height - pad - h, width: bar - 2, height: h, fill: '#4f7cff' }));
    if (hour % 3 === 0) svg.append(el('text', { x: pad + hour * bar + bar / 2, y: height - 6, 'font-size': 11, 'text-anchor': 'middle' }, String(hour)));
  });
  return svg;
}

/**
 * Each face's match score against the threshold, in the running model's scale: cosine similarity
 * (a longer bar is a closer match) or Euclidean distance (a shorter bar is closer).
 */
export function scoreChart(faces, threshold, metric) {
  const width = 480, rowHeight = 26, pad = 90, scale = 1.0;
  const closer = metric === 'cosine' ? (v) => v >= threshold : (v) => v <= threshold;
  const height = Math.max(1, faces.length) * rowHeight + 30;
  const label = metric === 'cosine' ? 'match similarity of each face' : 'match distance of each face';
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label });
  const x = (v) => pad + ((width - pad - 10) * Math.max(0, Math.min(v, scale))) / scale;
  faces.forEach((face, i) => {
    const v = face.score ?? (metric === 'cosine' ? 0 : scale); // unknown: no match to show
    svg.append(el('text', { x: 4, y: i * rowHeight + 18, 'font-size': 12 }, face.label));
    svg.append(el('rect', { x: pad, y: i * rowHeight + 6, width: Math.max(1, x(v) - pad), height: 16, fill: face.score !== undefined && closer(v) ? '#16794a' : '#9aa3b2' }));
  });
  svg.append(el('line', { x1: x(threshold), x2: x(threshold), y1: 0, y2: height - 20, stroke: '#c62f3c', 'stroke-dasharray': '4 3' }));
  svg.append(el('text', { x: x(threshold), y: height - 6, 'font-size': 11, 'text-anchor': 'middle' }, `threshold ${threshold}`));
  return svg;
}

/**
 * Stacked bars, one per bucket: `series` [{ name, values, colour }] stacked bottom up. Every bar
 * carries its numbers in a <title> (shown on hover, read by screen readers); `format` writes a value,
 * `tick` a bucket under the axis, `describe` it in full.
 */
export function stackedBars({ title, labels, series, format = String, tick = (label) => label, describe = tick }) {
  const width = 720, height = 220, left = 48, bottom = 28, top = 10;
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + Math.max(0, s.values[i]), 0));
  const max = niceCeiling(Math.max(...totals));
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart wide', role: 'img', 'aria-label': title });
  svg.append(el('title', {}, title));
  const plot = height - top - bottom;
  const step = (width - left - 8) / Math.max(1, labels.length);
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plot * (1 - fraction);
    svg.append(el('line', { x1: left, x2: width - 8, y1: y, y2: y, stroke: '#e4e8ef' }));
    svg.append(el('text', { x: left - 6, y: y + 4, 'font-size': 11, 'text-anchor': 'end' }, compact.format(max * fraction)));
  }
  const every = Math.max(1, Math.ceil(labels.length / 12));
  labels.forEach((label, i) => {
    let y = top + plot;
    const bar = el('g', { class: 'bar', 'data-bucket': label });
    bar.append(el('title', {}, `${describe(label)}: ${series.map((s) => `${s.name} ${format(s.values[i])}`).join(', ')}`));
    // The whole column is the hover target, empty or not.
    bar.append(el('rect', { x: left + i * step, y: top, width: step, height: plot, fill: 'transparent' }));
    for (const s of series) {
      const h = (plot * Math.max(0, s.values[i])) / max;
      y -= h;
      bar.append(el('rect', { x: left + i * step + 1, y, width: Math.max(1, step - 2), height: h, fill: s.colour }));
    }
    svg.append(bar);
    if (i % every === 0) svg.append(el('text', { x: left + i * step + step / 2, y: height - 8, 'font-size': 11, 'text-anchor': 'middle' }, tick(label)));
  });
  return h('figure', { class: 'chart-figure' }, svg, legend(series));
}

/** Axis numbers stay short (40M, 12K): the exact ones are on hover and in the tables. */
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

/** The axis' top: the next of 2, 4, 5, 10 × a power of ten at or above `value`, so that its half is a round number too. */
function niceCeiling(value) {
  if (!(value > 2)) return 2;
  const base = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 4, 5, 10].map((m) => m * base).find((top) => top >= value);
}

/** Horizontal bars for ranked items [{ label, value }], each with its number. */
export function rankedBars({ title, items, format = String, colour = '#4f7cff' }) {
  const rowHeight = 26, width = 560, pad = 130;
  const max = Math.max(1, ...items.map((item) => item.value));
  const svg = el('svg', { viewBox: `0 0 ${width} ${Math.max(1, items.length) * rowHeight + 6}`, class: 'chart', role: 'img', 'aria-label': title });
  svg.append(el('title', {}, title));
  items.forEach((item, i) => {
    const row = el('g', { class: 'bar' });
    row.append(el('title', {}, `${item.label}: ${format(item.value)}`));
    row.append(el('text', { x: 4, y: i * rowHeight + 18, 'font-size': 12 }, item.label));
    const w = ((width - pad - 80) * item.value) / max;
    row.append(el('rect', { x: pad, y: i * rowHeight + 5, width: Math.max(1, w), height: 16, fill: colour }));
    row.append(el('text', { x: pad + w + 6, y: i * rowHeight + 18, 'font-size': 12 }, format(item.value)));
    svg.append(row);
  });
  return svg;
}

function legend(series) {
  return h('figcaption', { class: 'legend' }, series.map((s) => h('span', {}, h('i', { style: `background:${s.colour}` }), s.name)));
}

/**
 * A day's path over the mall's floor plan: the plan as the background, each stop a numbered dot
 * at its camera's position (fractions of the plan), joined in order. `planUrl` is an object URL.
 */
export function trailOnPlan({ planUrl, width, height, stops }) {
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart plan', role: 'img', 'aria-label': 'the path through the mall' });
  svg.append(el('image', { href: planUrl, x: 0, y: 0, width, height }));
  const placed = stops.filter((stop) => stop.camera?.position);
  const points = placed.map((stop) => [stop.camera.position.x * width, stop.camera.position.y * height]);
  if (points.length > 1) svg.append(el('polyline', { points: points.map((p) => p.join(',')).join(' '), fill: 'none', stroke: '#c62f3c', 'stroke-width': Math.max(2, width / 250), 'stroke-dasharray': '8 5' }));
  const r = Math.max(8, width / 60);
  placed.forEach((stop, i) => {
    const [x, y] = points[i];
    const dot = el('g', { class: 'stop' });
    dot.append(el('title', {}, `${i + 1}. ${stop.camera.name} (${stop.camera.zone ?? 'no zone'}), ${new Date(stop.firstSeenAt).toLocaleTimeString()}–${new Date(stop.lastSeenAt).toLocaleTimeString()}, ${Math.round(stop.dwellSeconds / 60)} min`));
    dot.append(el('circle', { cx: x, cy: y, r, fill: '#4f7cff', stroke: '#fff', 'stroke-width': 2 }));
    dot.append(el('text', { x, y: y + r / 2.5, 'font-size': r * 1.1, 'text-anchor': 'middle', fill: '#fff' }, String(i + 1)));
    svg.append(dot);
  });
  return svg;
}
