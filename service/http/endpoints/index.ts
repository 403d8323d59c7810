import type { Endpoint } from '../endpoint.js';
import { accessEndpoints } from './access.js';
import { adminEndpoints } from './admin.js';
import { cameraEndpoints } from './cameras.js';
import { campaignEndpoints } from './campaigns.js';
import { eventEndpoints } from './events.js';
import { faceEndpoints } from './faces.js';
import { livenessEndpoints } from './liveness.js';
import { mallEndpoints } from './malls.js';
import { duplicateEndpoints } from './duplicates.js';
import { memberActivityEndpoints } from './memberActivity.js';
import { memberEndpoints } from './members.js';
import { partnerEndpoints } from './partners.js';
import { probeEndpoints } from './probes.js';
import { recognitionEndpoints } from './recognition.js';
import { webhookEndpoints } from './webhooks.js';

/** Every endpoint of the service. */
export const ENDPOINTS: readonly Endpoint[] = [
  ...probeEndpoints,
  ...accessEndpoints,
  ...memberEndpoints,
  ...faceEndpoints,
  ...memberActivityEndpoints,
  ...campaignEndpoints,
  ...partnerEndpoints,
  ...recognitionEndpoints,
  ...livenessEndpoints,
  ...cameraEndpoints,
  ...eventEndpoints,
  ...webhookEndpoints,
  ...mallEndpoints,
  ...duplicateEndpoints,
  ...adminEndpoints,
];
