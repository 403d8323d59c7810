import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AppliedThresholdRepository, AppliedThresholds } from '../../repositories/appliedThresholdRepository.js';
import { MatchRule } from './matchRule.js';
import { ThresholdSettings } from './thresholdSettings.js';

const CONFIGURED = { match: 0.527, margin: 0.08, today: 0.487, verify: 0.289 };

/** The table as a map by model version (PostgreSQL's part is tested through the API in duplicates.test.ts). */
function storedThresholds() {
  const rows = new Map<string, AppliedThresholds>();
  const repository: Pick<AppliedThresholdRepository, 'get' | 'set' | 'clear'> = {
    get: (version) => Promise.resolve(rows.get(version)),
    set: (version, { match, today, fittedFor }, appliedBy) => {
      rows.set(version, { match, today, fittedFor, appliedBy, appliedAt: new Date(0).toISOString() });
      return Promise.resolve();
    },
    clear: (version) => Promise.resolve(rows.delete(version)),
  };
  return { rows, repository: repository as AppliedThresholdRepository };
}

function settingsOn(repository: AppliedThresholdRepository, modelVersion = 'fused@v1', groupTemplates = 2_500) {
  const rule = new MatchRule('cosine', CONFIGURED);
  const settings = new ThresholdSettings({ repository, rule, configured: CONFIGURED, modelVersion, groupTemplates: () => groupTemplates, targetFpir: 0.01, logger: pino({ level: 'silent' }) });
  return { rule, settings };
}

describe('thresholds applied by an admin', () => {
  it('puts a match threshold in force with the seen-today one moved by as much, and withdraws it', async () => {
    const { repository } = storedThresholds();
    const { rule, settings } = settingsOn(repository);
    const revision = rule.revision;
    const view = await settings.apply(0.58, 'key-1');
    expect(view.inForce).toEqual({ ...CONFIGURED, match: 0.58, today: 0.54 });
    expect(rule.thresholds).toEqual(view.inForce);
    expect(rule.revision).toBe(revision + 1); // search plans derived from the old ones are derived again
    // Fitted for the group as it is, at the configured target: the size rule starts from there.
    expect(view.applied?.fittedFor).toEqual({ templates: 2_500, targetFpir: 0.01 });
    expect(rule.fit).toEqual({ templates: 2_500, targetFpir: 0.01 });
    expect((await settings.withdraw()).inForce).toEqual(CONFIGURED);
    expect(rule.thresholds).toEqual(CONFIGURED);
    expect(rule.fit).toBeNull();
  });

  it('refuses a threshold that breaks the rule, changing nothing', async () => {
    const { rows, repository } = storedThresholds();
    const { rule, settings } = settingsOn(repository);
    await expect(settings.apply(0.25, 'key-1')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(settings.apply(1.2, 'key-1')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(rows.size).toBe(0);
    expect(rule.thresholds).toEqual(CONFIGURED);
  });

  it("another replica's change is read by refresh; another model version's is never", async () => {
    const { rows, repository } = storedThresholds();
    const here = settingsOn(repository);
    const otherReplica = settingsOn(repository);
    await otherReplica.settings.apply(0.6, 'key-2');
    await here.settings.refresh();
    expect(here.rule.thresholds.match).toBe(0.6);
    const otherModel = settingsOn(repository, 'fused@v2');
    await otherModel.settings.refresh();
    expect(otherModel.rule.thresholds).toEqual(CONFIGURED);
    // A row this replica's configuration cannot hold (say, written beside a looser VERIFY_THRESHOLD): the configured ones stay.
    rows.set('fused@v1', { match: 0.2, today: 0.2, fittedFor: null, appliedBy: null, appliedAt: new Date(0).toISOString() });
    await here.settings.refresh();
    expect(here.rule.thresholds).toEqual(CONFIGURED);
    expect(here.settings.view().applied).toBeNull();
  });
});
