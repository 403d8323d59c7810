/**
 * `npm run calibrate -- --from-service`: asks a running service to check its thresholds on its own
 * enrolled members (POST /v1/admin/calibration, admin; it changes nothing) and prints the report.
 * VISAGE_URL (default http://127.0.0.1:8080) and VISAGE_ADMIN_KEY (or --url, --key) say where.
 */
import type { CalibrationReport } from '../service/domain/recognition/deploymentCalibration.js';

export async function calibrateFromService(url: string, key: string, json: boolean): Promise<void> {
  const res = await fetch(`${url.replace(/\/$/, '')}/v1/admin/calibration`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as CalibrationReport & { error?: { code: string; message: string } };
  if (!res.ok) {
    console.error(`${res.status} ${body.error?.code ?? ''}: ${body.error?.message ?? ''}`);
    process.exit(1);
  }
  const sci = (x: number | null) => (x === null ? '—' : x.toExponential(1));
  const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(3)}%`);
  console.log(`${body.members} members, ${body.pairs} pairs of different members${body.sampled ? ' (sampled)' : ''}, ${body.excludedSuspectedDuplicates} left out (under duplicate review); the smallest rate they can show: ${sci(body.resolution)}`);
  for (const t of body.thresholds) console.log(`  ${t.name.padEnd(6)} ${t.threshold}: FMR here ${sci(t.deploymentFmr)}, on LFW ${sci(t.lfwFmr)}`);
  console.log(`the group (${body.group.templates} templates) at the match threshold: expected FPIR here ${pct(body.group.expectedFpir)}, from LFW ${pct(body.group.lfwExpectedFpir)}`);
  console.log(
    body.suggestedMatchThreshold === null
      ? `no threshold suggested: ${body.pairs} pairs cannot show a false-match rate small enough for TARGET_FPIR ${body.targetFpir} at this size`
      : `MATCH_THRESHOLD that would hold TARGET_FPIR ${body.targetFpir} here: ${body.suggestedMatchThreshold} (apply it by setting MATCH_THRESHOLD)`,
  );
  for (const p of body.closestPairs) console.log(`  closest: ${p.memberId} ~ ${p.otherMemberId} ${p.similarity} (a look-alike, or one person twice: review)`);
  if (json) console.log(JSON.stringify(body));
}
