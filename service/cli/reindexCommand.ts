import { SingleBar } from 'cli-progress';
import type { ReindexReport } from '../domain/faces/reindexService.js';
import { callApi, type ApiTarget } from './apiCaller.js';

/**
 * Re-indexes a deployment after a model change, a batch per request, with a progress bar; then
 * lists the templates that could not be recomputed. `prune` removes the old-model templates.
 */
export async function reindexCommand(target: ApiTarget, options: { batch: number; prune: boolean }): Promise<void> {
  const run = (after?: number) =>
    callApi<ReindexReport>(target, 'POST', `/v1/admin/reindex?limit=${options.batch}${after === undefined ? '' : `&after=${after}`}`);
  let report = await run();
  const bar = new SingleBar({ format: 're-index [{bar}] {value}/{total} templates', hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 });
  bar.start(report.reindexed + report.remaining, report.reindexed);
  let done = report.reindexed;
  const failed = [...report.failed];
  let withoutPhoto = report.withoutPhoto;
  while (report.next !== null) {
    report = await run(report.next);
    done += report.reindexed;
    failed.push(...report.failed);
    withoutPhoto = { count: withoutPhoto.count + report.withoutPhoto.count, faceIds: [...withoutPhoto.faceIds, ...report.withoutPhoto.faceIds] };
    bar.update(done);
  }
  bar.stop();
  console.log(`model ${report.model.name} ${report.model.version}: ${done} templates recomputed, ${report.remaining} left without a successor`);
  console.log(`without a stored photo (cannot be recomputed): ${withoutPhoto.count}`);
  for (const id of withoutPhoto.faceIds) console.log(`  ${id}`);
  console.log(`failed: ${failed.length}`);
  for (const f of failed) console.log(`  ${f.faceId} (member ${f.memberId}): ${f.reason}`);
  if (options.prune) {
    const { pruned } = await callApi<{ pruned: number }>(target, 'POST', '/v1/admin/reindex/prune');
    console.log(`old-model templates pruned: ${pruned}`);
  }
}
