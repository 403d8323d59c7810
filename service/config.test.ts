import { describe, expect, it } from 'vitest';
import { CALIBRATED_MATCH_THRESHOLD, ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('has working embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, databaseUrl: undefined, matchThreshold: CALIBRATED_MATCH_THRESHOLD });
    expect(config.dataDir.endsWith('data')).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', MATCH_THRESHOLD: '3', VISAGE_ADMIN_KEY: 'short' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'DATABASE_URL', 'MATCH_THRESHOLD', 'VISAGE_ADMIN_KEY']) expect(problems).toContain(name);
    }
  });

  it('refuses a verification threshold stricter than the identification one', () => {
    expect(() => loadConfig({ MATCH_THRESHOLD: '0.5', VERIFY_THRESHOLD: '0.4' })).toThrow(ConfigError);
  });
});
