/**
 * `npm run calibrate -- --from-service`: asks a running service to check its thresholds on its own
 * enrolled members (POST /v1/admin/calibration, admin; it changes nothing) and prints the report;
 * with `--apply`, then puts the suggested MATCH_THRESHOLD in force (POST /v1/admin/thresholds,
 * audited; DELETE /v1/admin/thresholds withdraws it). VISAGE_URL (default http://127.0.0.1:8080)
 * and VISAGE_ADMIN_KEY (or --url, --key) say where.
 */
import type { CalibrationReport } from '../service/domain/recognition/deploymentCalibration.js';
import type { ThresholdsView } from '../service/domain/recognition/thresholdSettings.js';

/** An admin call's answer, or the process ends with the service's error. */
async function adminCall<T>(url: string, key: string, path: string, body?: object): Promise<T> {
  const res = await fetch(`${url.replace(/\/$/, '')}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = (await res.json()) as T & { error?: { code: string; message: string } };
  if (!res.ok) {
    console.error(`${res.status} ${answer.error?.code ?? ''}: ${answer.error?.message ?? ''}`);
    process.exit(1);
  }
  return answer;
}

export async function calibrateFromService(url: string, key: string, options: { json: boolean; apply: boolean }): Promise<void> {
  const body = await adminCall<CalibrationReport>(url, key, '/v1/admin/calibration');
  const sci = (x: number | null) => (x === null ? '—' : x.toExponential(1));
  const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(3)}%`);
  console.log(`${body.members} members, ${body.pairs} pairs of different members${body.sampled ? ' (sampled)' : ''}, ${body.excludedSuspectedDuplicates} left out (under duplicate review); the smallest rate they can show: ${sci(body.resolution)}`);
  for (const t of body.thresholds) console.log(`  ${t.name.padEnd(6)} ${t.threshold}: FMR here ${sci(t.deploymentFmr)}, on LFW ${sci(t.lfwFmr)}`);
  console.log(`the group (${body.group.templates} templates) at the match threshold: expected FPIR here ${pct(body.group.expectedFpir)}, from LFW ${pct(body.group.lfwExpectedFpir)}`);
  console.log(
    body.suggestedMatchThreshold === null
      ? `no threshold suggested: ${body.pairs} pairs cannot show a false-match rate small enough for TARGET_FPIR ${body.targetFpir} at this size`
      : `MATCH_THRESHOLD that would hold TARGET_FPIR ${body.targetFpir} here: ${body.suggestedMatchThreshold}${options.apply ? '' : ' (--apply puts it in force)'}`,
  );
  for (const p of body.closestPairs) console.log(`  closest: ${p.memberId} ~ ${p.otherMemberId} ${p.similarity} (a look-alike, or one person twice: review)`);
  if (options.json) console.log(JSON.stringify(body));
  if (!options.apply) return;
  if (body.suggestedMatchThreshold === null) {
    console.error('--apply: nothing to apply (no threshold suggested); the thresholds in force stay');
    process.exit(1);
  }
  const view = await adminCall<ThresholdsView>(url, key, '/v1/admin/thresholds', { matchThreshold: body.suggestedMatchThreshold });
  const fit = view.applied?.fittedFor;
  console.log(
    `applied on every replica: match ${view.inForce.match}, seen-today ${view.inForce.today} (configured ${view.configured.match}, ${view.configured.today})` +
      `${fit ? `, fitted for the group of ${fit.templates} templates at FPIR ${fit.targetFpir} (searched at it there; stricter only as the group grows)` : ''}; DELETE /v1/admin/thresholds withdraws it`,
  );
}
