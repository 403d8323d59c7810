import { describe, expect, it } from 'vitest';
import { readCalibratedThresholds, FACE_MODELS } from '../models/faceModels.js';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('has working embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, databaseUrl: undefined, faceModel: FACE_MODELS['yunet-fr512+omz256'] });
    expect(config.thresholds).toEqual(readCalibratedThresholds(FACE_MODELS['yunet-fr512+omz256']));
    expect(config.dataDir.endsWith('data')).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('tells a deployment still setting a renamed variable what it is called now', () => {
    expect(() => loadConfig({ VISITOR_SIGHTING_WINDOW_SECONDS: '120' })).toThrow(/VISITOR_SIGHTING_WINDOW_SECONDS: renamed PUSHED_TRACK_TIMEOUT_SECONDS/);
    expect(loadConfig({ PUSHED_TRACK_TIMEOUT_SECONDS: '20' }).visitors.pushedTrackTimeoutSeconds).toBe(20);
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

  it("reads thresholds in the running model's scale and refuses a verification threshold stricter than the identification one", () => {
    // cosine similarity: higher is stricter
    expect(() => loadConfig({ MATCH_THRESHOLD: '0.5', VERIFY_THRESHOLD: '0.6' })).toThrow(ConfigError);
    expect(loadConfig({ MATCH_THRESHOLD: '0.6', VERIFY_THRESHOLD: '0.3' }).thresholds).toMatchObject({ match: 0.6, verify: 0.3 });
    // Euclidean distance: lower is stricter
    expect(() => loadConfig({ FACE_MODEL: 'faceapi', MATCH_THRESHOLD: '0.5', VERIFY_THRESHOLD: '0.4' })).toThrow(ConfigError);
    expect(loadConfig({ FACE_MODEL: 'faceapi' }).thresholds).toEqual({ match: 0.373, margin: 0.06, today: 0.42, verify: 0.6 });
    expect(() => loadConfig({ FACE_MODEL: 'arcface' })).toThrow(/FACE_MODEL/);
  });
});
