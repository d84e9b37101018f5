/**
 * Qualification evidence as data: in-toto Statements v1 about component versions, signed in DSSE
 * envelopes with ECDSA P-256, Ed25519 or RSA keys. Pure: no storage, no files (docs/formats.md,
 * Evidence). Storing and gating is `stages/evidence`.
 */
export {
  decodeBase64,
  type Envelope,
  type EnvelopeSignature,
  type EnvelopeVerification,
  encodeEnvelope,
  envelopePayload,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  parseEnvelope,
  signEnvelope,
  type TrustedKey,
  verifyEnvelope,
} from './dsse.js';
export { EvidenceKeyError, InvalidEnvelopeError, InvalidStatementError } from './errors.js';
export {
  type EvidenceKeyInput,
  type EvidenceKeyType,
  keyFileModeWarning,
  keyId,
  keyTypeOf,
  loadSigningKey,
  loadVerifyingKey,
  publicKeyPem,
  signBytes,
  verifyBytes,
} from './keys.js';
export {
  APPROVAL_PREDICATE,
  type ApprovalPredicate,
  approvalPredicate,
  CheckAnnotation,
  type CheckInput,
  checkOf,
  componentSubject,
  encodeStatement,
  makeStatement,
  normalisedDescriptorDigest,
  parseStatement,
  type ResourceDescriptor,
  readApproval,
  readTestResult,
  STATEMENT_TYPE,
  type Statement,
  type Subject,
  TEST_RESULT_PREDICATE,
  TEST_RESULTS,
  type TestResult,
  type TestResultPredicate,
  testResultPredicate,
} from './statement.js';
