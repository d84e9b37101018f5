export {
  copyEvidence,
  EVIDENCE_TAG_PREFIX,
  EvidenceAnnotation,
  EvidenceMediaType,
  envelopeOfTag,
  evidenceTagPrefix,
  evidenceTagsOf,
  readEvidence,
} from '../../repository/evidence-store.js';
export {
  type ApproveInput,
  type AttestCheckInput,
  type AttestOtherInput,
  approve,
  attest,
  type EvidenceItem,
  EvidenceRequestError,
  type EvidenceSubject,
  type EvidenceWriteOptions,
  type EvidenceWriteResult,
  evidenceSubject,
  type ListEvidenceOptions,
  listEvidence,
  type NamedKey,
  type VerifiedEvidenceItem,
  verifyEvidence,
} from './evidence.js';
export {
  type EvidenceGates,
  type EvidenceSummary,
  evaluateEvidenceGates,
  summariseEvidence,
} from './gates.js';
