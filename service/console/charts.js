// Small SVG charts: people would rather look than read.
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
