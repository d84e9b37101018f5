/** The stages layer: what aliases are for. A list of re-exports only. */

export {
  type AutoDecision,
  type AutoOutcome,
  AutoPromoter,
  type AutoPromoterOptions,
  isStoreFailure,
  NoRepositoryOpenerError,
} from './auto.js';
export * from './evidence/index.js';
export { evaluateGates, type GateSnapshot, type SignatureCheck, type StagePoint } from './gates.js';
export * from './history/index.js';
export * from './policy/index.js';
export {
  historySince,
  type PlanPromotionOptions,
  type PromoteAllOptions,
  type PromoteOptions,
  type PromotionOutcome,
  type PromotionPlan,
  type PromotionResult,
  planPromotion,
  promote,
  promoteAll,
  type RepositoryOpener,
  type SinceLookup,
} from './promote.js';
export {
  type AliasMove as WatchedAliasMove,
  type AliasTarget as WatchedAliasTarget,
  systemClock,
  type WatchAliasOptions,
  type WatchClock,
  type WatchFailure,
  watchAlias,
} from './watch.js';
