import { faceNotFound, keyNotFound, memberNotFound } from '../../domain/errors.js';
import { faceParams, keyParams, memberParams } from '../schemas.js';

/*
 * The path parameters shared by several endpoints, with the not-found error a malformed id gets
 * (a malformed id names nothing, so it is answered like an unknown one).
 */
export const memberPath = { params: memberParams, notFound: { id: memberNotFound } };
export const facePath = { params: faceParams, notFound: { id: memberNotFound, faceId: faceNotFound } };
export const keyPath = { params: keyParams, notFound: { keyId: keyNotFound } };
