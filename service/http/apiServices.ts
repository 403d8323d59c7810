import type { ApiKeyService } from '../domain/access/apiKeys.js';
import type { AuditLog } from '../domain/access/auditLog.js';
import type { FaceRecords } from '../domain/faces/faceRecords.js';
import type { FaceService } from '../domain/faces/faceService.js';
import type { IdentificationService } from '../domain/recognition/identificationService.js';
import type { LivenessPolicy } from '../domain/liveness/livenessPolicy.js';
import type { LivenessSessions } from '../domain/liveness/livenessSessions.js';
import type { ReindexService } from '../domain/faces/reindexService.js';
import type { MasterKeyRotation } from '../domain/access/masterKeyRotation.js';
import type { MemberDataExport } from '../domain/members/memberDataExport.js';
import type { PartnerService } from '../domain/loyalty/partners.js';
import type { TransferService } from '../domain/loyalty/transfers.js';
import type { SaleService } from '../domain/mall/sales.js';
import type { DeploymentCalibration } from '../domain/recognition/deploymentCalibration.js';
import type { ThresholdSettings } from '../domain/recognition/thresholdSettings.js';
import type { CameraService } from '../domain/mall/cameras.js';
import type { FrameService } from '../domain/mall/frameService.js';
import type { MallService } from '../domain/mall/malls.js';
import type { FloorPlans } from '../domain/mall/floorPlans.js';
import type { MallStats } from '../domain/mall/mallStats.js';
import type { Duplicates } from '../domain/recognition/duplicates.js';
import type { PurchaseService } from '../domain/mall/purchaseService.js';
import type { VisitFeed } from '../domain/mall/visitFeed.js';
import type { VisitService } from '../domain/mall/visitService.js';
import type { MemberService } from '../domain/members/memberService.js';
import type { WebhookSubscriptions } from '../domain/events/webhookSubscriptions.js';
import type { Metrics } from '../metrics.js';
import type { CampaignService } from '../domain/loyalty/campaigns.js';
import type { CouponService } from '../domain/loyalty/coupons.js';
import type { PointsService } from '../domain/loyalty/points.js';
import type { RefundService } from '../domain/loyalty/refunds.js';

/** The running face model and its thresholds in force (in its metric's scale; read when asked: an admin may apply others), as GET /v1/me shows them. */
export interface ScoringView {
  faceModel: { key: string; name: string; version: string; dimension: number; metric: 'cosine' | 'euclidean' };
  thresholds: { match: number; margin: number; today: number; verify: number };
}

/** Names each dependency and whether it is ready. */
export interface ReadinessCheck {
  check(): Promise<Record<string, boolean>>;
}

/** What the endpoints' handlers call: the domain services and the few views the transport shows. */
export interface ApiServices {
  members: MemberService;
  faces: FaceService;
  identification: IdentificationService;
  records: FaceRecords;
  feed: VisitFeed;
  frames: FrameService;
  cameras: CameraService;
  malls: MallService;
  floorPlans: FloorPlans;
  stats: MallStats;
  duplicates: Duplicates;
  purchases: PurchaseService;
  points: PointsService;
  refunds: RefundService;
  campaigns: CampaignService;
  coupons: CouponService;
  visits: VisitService;
  keys: ApiKeyService;
  liveness: LivenessPolicy;
  livenessSessions: LivenessSessions;
  reindex: ReindexService;
  calibration: DeploymentCalibration;
  thresholdSettings: ThresholdSettings;
  masterKeyRotation: MasterKeyRotation;
  memberData: MemberDataExport;
  partners: PartnerService;
  transfers: TransferService;
  sales: SaleService;
  webhooks: WebhookSubscriptions;
  audit: AuditLog;
  readiness: ReadinessCheck;
  metrics: Metrics;
  scoring: ScoringView;
  /** Generated from the endpoint declarations at start. */
  openapi: () => unknown;
}
