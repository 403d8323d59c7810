import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../models/errors.js';
import { memberNotFound } from '../domain/errors.js';
import { ENDPOINTS } from './endpoints/index.js';
import { errorsOf } from './endpoint.js';
import { API_ERROR_CODES, ERROR_STATUS, toApiError } from './errorStatus.js';
import { rateLimited } from './httpErrors.js';

const README = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

describe('the error catalogue', () => {
  it('documents every code in the README, with its status', () => {
    const documented = README.slice(README.indexOf('Errors are `{"error"'), README.indexOf('## Architecture'));
    for (const code of API_ERROR_CODES) expect(documented, code).toContain(`\`${code}\``);
    for (const status of new Set(Object.values(ERROR_STATUS))) expect(documented, String(status)).toContain(String(status));
  });

  it('maps domain, transport and model errors, and hides everything else', () => {
    expect(toApiError(memberNotFound('m-1'))).toEqual({ code: 'MEMBER_NOT_FOUND', message: 'no member m-1', details: undefined });
    expect(toApiError(rateLimited(7))).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 7 } });
    expect(toApiError(new ImageError('too_many_pixels', 'too many'))).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'too many' });
    expect(toApiError(new ImageError('unsupported_format', 'gif'))?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(toApiError(Object.assign(new Error('x'), { type: 'entity.parse.failed' }))?.code).toBe('VALIDATION_FAILED');
    expect(toApiError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))?.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(toApiError(new Error('secret internals'))).toBeUndefined();
  });

  it('gives every endpoint only codes the catalogue knows, and the transport codes of its kind', () => {
    for (const endpoint of ENDPOINTS) {
      const codes = errorsOf(endpoint);
      expect(codes.every((code) => code in ERROR_STATUS), endpoint.path).toBe(true);
      if (endpoint.roles !== 'public') expect(codes, endpoint.path).toEqual(expect.arrayContaining(['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED']));
      if (endpoint.image) expect(codes, endpoint.path).toEqual(expect.arrayContaining(['INVALID_IMAGE', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE']));
    }
  });
});
