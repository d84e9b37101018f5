/**
 * Component-descriptor normalisation: the storage-independent bytes a signature digest covers.
 * Works on the plain v2 JSON form of a descriptor; see docs/formats.md (normalisation).
 */
export { NormalisationError, UnsafeNumberError, UnsupportedAlgorithmError } from './errors.js';
export { canonicalJson, canonicalJsonBytes, compareUtf16 } from './jcs.js';
export { isPlainObject, type JsonObject, type JsonValue } from './json.js';
export {
  DEFAULT_NORMALISATION,
  isNormalisationAlgorithm,
  JSON_NORMALISATION_V1,
  JSON_NORMALISATION_V2,
  JSON_NORMALISATION_V3,
  JSON_NORMALISATION_V4ALPHA1,
  NORMALISATION_ALGORITHMS,
  type NormalisationAlgorithm,
  type NormaliseOptions,
  normalise,
  normaliseToString,
} from './normalise.js';
