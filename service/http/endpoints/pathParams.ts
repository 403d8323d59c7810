import {
  brandNotFound,
  campaignNotFound,
  cameraNotFound,
  deliveryNotFound,
  duplicateNotFound,
  faceNotFound,
  keyNotFound,
  livenessSessionNotFound,
  mallNotFound,
  memberNotFound,
  partnerNotFound,
  storeNotFound,
  webhookNotFound,
} from '../../domain/errors.js';
import { campaignParams, cameraParams, deliveryParams, duplicateParams, faceParams, keyParams, livenessSessionParams, brandParams, mallParams, memberParams, partnerParams, storeParams, webhookParams } from '../schemas.js';

/*
 * The path parameters shared by several endpoints, with the not-found error a malformed id gets
 * (a malformed id names nothing, so it is answered like an unknown one).
 */
export const memberPath = { params: memberParams, notFound: { id: memberNotFound } };
export const facePath = { params: faceParams, notFound: { id: memberNotFound, faceId: faceNotFound } };
export const keyPath = { params: keyParams, notFound: { keyId: keyNotFound } };
export const cameraPath = { params: cameraParams, notFound: { cameraId: cameraNotFound } };
export const livenessSessionPath = { params: livenessSessionParams, notFound: { sessionId: livenessSessionNotFound } };
export const webhookPath = { params: webhookParams, notFound: { webhookId: webhookNotFound } };
export const deliveryPath = { params: deliveryParams, notFound: { webhookId: webhookNotFound, deliveryId: deliveryNotFound } };
export const mallPath = { params: mallParams, notFound: { mallId: mallNotFound } };
export const brandPath = { params: brandParams, notFound: { brandId: brandNotFound } };
export const storePath = { params: storeParams, notFound: { storeId: storeNotFound } };
export const duplicatePath = { params: duplicateParams, notFound: { duplicateId: duplicateNotFound } };
export const campaignPath = { params: campaignParams, notFound: { campaignId: campaignNotFound } };
export const partnerPath = { params: partnerParams, notFound: { partnerId: partnerNotFound } };
