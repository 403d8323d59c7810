import sharp from 'sharp';

/** Where each area of the drawn plan is, as fractions of the plan (cameras are placed by these). */
export const PLAN_AREAS = {
  entrance: { x: 0.14, y: 0.86 },
  'food-court': { x: 0.62, y: 0.13 },
  'floor-1': { x: 0.5, y: 0.5 },
  'floor-2': { x: 0.87, y: 0.6 },
  'car-park': { x: 0.13, y: 0.2 },
} as const;

/** A mall's floor plan as an operator would upload it: areas drawn and labelled, as PNG (1200×800). */
export function floorPlanImage(): Promise<Buffer> {
  const area = (x: number, y: number, w: number, h: number, fill: string, label: string) =>
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="12" fill="${fill}" stroke="#8a93a6" stroke-width="3"/>` +
    `<text x="${x + w / 2}" y="${y + 34}" font-family="sans-serif" font-size="26" text-anchor="middle" fill="#39424f">${label}</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800">
    <rect width="1200" height="800" fill="#f4f1ea"/>
    ${area(20, 20, 280, 260, '#e1e4ea', 'Car park')}
    ${area(320, 20, 860, 140, '#f7e3c6', 'Food court')}
    ${area(320, 180, 560, 400, '#dfeadf', 'Floor 1 shops')}
    ${area(900, 180, 280, 600, '#e6def0', 'Floor 2 shops')}
    ${area(20, 560, 300, 220, '#d7e6f5', 'Entrance')}
    <path d="M300 640 H900 M600 580 V780" stroke="#c9c2b4" stroke-width="40" fill="none"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
