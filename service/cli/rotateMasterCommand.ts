import { SingleBar } from 'cli-progress';
import { callApi, type ApiTarget } from './apiCaller.js';

interface RotationReport {
  masterKeyId: string;
  rewrapped: number;
  remaining: number;
}

/**
 * Re-wraps every data key under the service's current master key, a slice per call, until none is
 * left under another. Safe to stop and run again: each call picks up what is left.
 */
export async function rotateMasterCommand(target: ApiTarget, options: { batch: number }): Promise<void> {
  const path = `/v1/admin/master-key/rotate?limit=${options.batch}`;
  let report = await callApi<RotationReport>(target, 'POST', path);
  let done = report.rewrapped;
  const bar = new SingleBar({ format: 'rotate-master [{bar}] {value}/{total} keys re-wrapped', hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 });
  bar.start(done + report.remaining, done);
  while (report.remaining > 0) {
    report = await callApi<RotationReport>(target, 'POST', path);
    if (report.rewrapped === 0) {
      bar.stop();
      throw new Error(`${report.remaining} keys are wrapped by a master key the service does not hold, or are locked by another rotation: check VISAGE_PREVIOUS_MASTER_KEYS, then run again`);
    }
    done += report.rewrapped;
    bar.setTotal(done + report.remaining);
    bar.update(done);
  }
  bar.stop();
  console.log(`${done} keys re-wrapped; every data key is now under master key ${report.masterKeyId}: the previous key may leave VISAGE_PREVIOUS_MASTER_KEYS`);
}
