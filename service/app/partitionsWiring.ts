import type { Logger } from 'pino';
import type { FaceIndex } from '../../index/faceIndex.js';
import { readFalseMatchCurve } from '../../models/faceModels.js';
import type { Config } from '../config.js';
import { MatchRule } from '../domain/recognition/matchRule.js';
import { MallPartitions } from '../domain/recognition/mallPartitions.js';
import { PartitionSearch } from '../domain/recognition/partitionSearch.js';
import { PartitionThresholds } from '../domain/recognition/partitionThresholds.js';
import { ServedIndex } from '../domain/recognition/servedIndex.js';
import type { Clock } from '../domain/shared/clock.js';
import type { FaceTemplateRepository } from '../repositories/faceTemplateRepository.js';
import type { PartitionRepository } from '../repositories/partitionRepository.js';

/**
 * Identification at a mall group's size: the malls' partitions, what this replica holds (SERVE_MALLS),
 * the match rule, the thresholds by partition size, and the search through them.
 */
export function wirePartitions(deps: {
  config: Config;
  index: FaceIndex;
  templates: FaceTemplateRepository;
  activity: PartitionRepository;
  clock: Clock;
  logger: Logger;
  indexExclusive?: <T>(work: () => Promise<T>) => Promise<T>;
}) {
  const { config, index, templates, activity, clock, logger } = deps;
  const { serveMalls, regularDays, targetFpir, groupMaxTemplates } = config.recognition;
  const partitions = new MallPartitions(activity, { defaultTimeZone: config.loyalty.timeZone, regularDays, serveMalls }, clock);
  const servedIndex = new ServedIndex({
    index,
    partitions,
    templates,
    model: config.faceModel,
    serveMalls,
    exclusive: deps.indexExclusive ?? ((work) => work()),
    logger,
  });
  const rule = new MatchRule(config.faceModel.metric, config.thresholds);
  const partitionThresholds = new PartitionThresholds(config.faceModel.metric, readFalseMatchCurve(config.faceModel));
  const search = new PartitionSearch({ index, partitions, group: servedIndex, rule, thresholds: partitionThresholds, options: { targetFpir, groupMaxTemplates } });
  return { partitions, servedIndex, rule, partitionThresholds, search };
}
