export {
  type FreezeWindow,
  findStage,
  hasGates,
  MAX_STAGES_DOCUMENT_SIZE,
  parseStagesDocument,
  type RequiredCheck,
  type RequiredSignature,
  type StagePolicy,
  type StageRule,
  type StagesDocument,
  type TrustedSigner,
} from './document.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  GATES,
  type GateName,
  type GateResult,
  InvalidStagePolicyError,
  PolicyError,
  PromotionRequestError,
  type StagePolicyIssue,
} from './errors.js';
export { checkPlainMoves, type PlainMoveOptions, StagesPolicy } from './guard.js';
export { stagesSchema } from './schema.js';
export {
  getStagePolicy,
  type SetStagePolicyOptions,
  type SetStagePolicyResult,
  STAGES_TAG,
  StagesMediaType,
  type StoredStagesDocument,
  setStagePolicy,
} from './store.js';
