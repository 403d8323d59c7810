import sharp from 'sharp';

/** A DET curve (false non-match rate against false match rate, both on log scales) as a PNG. */
export interface CurvePoint {
  fmr: number;
  fnmr: number;
}

export interface Curve {
  label: string;
  colour: string;
  points: CurvePoint[];
}

const WIDTH = 720;
const HEIGHT = 520;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 60 };
const FMR_RANGE = [1e-4, 1] as const;
const FNMR_RANGE = [1e-3, 1] as const;

const logX = (v: number) => {
  const [lo, hi] = FMR_RANGE;
  const t = (Math.log10(Math.min(hi, Math.max(lo, v))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
  return MARGIN.left + t * (WIDTH - MARGIN.left - MARGIN.right);
};
const logY = (v: number) => {
  const [lo, hi] = FNMR_RANGE;
  const t = (Math.log10(Math.min(hi, Math.max(lo, v))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
  return HEIGHT - MARGIN.bottom - t * (HEIGHT - MARGIN.top - MARGIN.bottom);
};

export async function writeDetPng(file: string, title: string, curves: Curve[], marks: { label: string; fmr: number; fnmr: number }[] = []): Promise<void> {
  const grid: string[] = [];
  for (let e = -4; e <= 0; e++) {
    const x = logX(10 ** e);
    grid.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${HEIGHT - MARGIN.bottom}" stroke="#ddd"/><text x="${x}" y="${HEIGHT - MARGIN.bottom + 18}" font-size="12" text-anchor="middle">1e${e}</text>`);
  }
  for (let e = -3; e <= 0; e++) {
    const y = logY(10 ** e);
    grid.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${WIDTH - MARGIN.right}" y2="${y}" stroke="#ddd"/><text x="${MARGIN.left - 8}" y="${y + 4}" font-size="12" text-anchor="end">1e${e}</text>`);
  }
  const lines = curves.map((curve, i) => {
    const path = curve.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${logX(p.fmr).toFixed(1)},${logY(p.fnmr).toFixed(1)}`).join(' ');
    return `<path d="${path}" fill="none" stroke="${curve.colour}" stroke-width="2"/><text x="${WIDTH - MARGIN.right - 10}" y="${MARGIN.top + 20 + i * 18}" font-size="13" text-anchor="end" fill="${curve.colour}">${curve.label}</text>`;
  });
  const dots = marks.map(
    (m) => `<circle cx="${logX(m.fmr)}" cy="${logY(m.fnmr)}" r="4" fill="#000"/><text x="${logX(m.fmr) + 6}" y="${logY(m.fnmr) - 6}" font-size="11">${m.label}</text>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${WIDTH / 2}" y="24" font-size="16" text-anchor="middle" font-family="sans-serif">${title}</text>
${grid.join('\n')}
<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${WIDTH - MARGIN.left - MARGIN.right}" height="${HEIGHT - MARGIN.top - MARGIN.bottom}" fill="none" stroke="#333"/>
<text x="${WIDTH / 2}" y="${HEIGHT - 15}" font-size="13" text-anchor="middle">false match rate (FMR / FPIR)</text>
<text x="18" y="${HEIGHT / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 18 ${HEIGHT / 2})">false non-match rate (FNMR / FNIR)</text>
${lines.join('\n')}
${dots.join('\n')}
</svg>`;
  await sharp(Buffer.from(svg)).png().toFile(file);
}
