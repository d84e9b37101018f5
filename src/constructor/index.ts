/**
 * The component constructor (`component-constructor.yaml`, ocm2 constructor spec v1): reading and
 * validating it, packing its inputs, and storing the component versions it describes in an OCM
 * repository. Reads files (the constructor and its inputs); knows no storage backend.
 */
export {
  type AddFromConstructorOptions,
  addComponentsFromConstructor,
  type ConstructedComponentVersion,
} from './build.js';
export type { Environment } from './env.js';
export {
  type ConstructorIssue,
  ConstructorNotFoundError,
  InputError,
  InputNotFoundError,
  InvalidConstructorError,
  PathEscapeError,
  UndefinedVariableError,
} from './errors.js';
export { inputTypeOf } from './inputs.js';
export { type ConstructorText, type ReadConstructorOptions, readConstructor } from './read.js';
export type {
  ComponentConstructor,
  ComponentReferenceConstructor,
  Constructor,
  DirInput,
  FileInput,
  InputSpec,
  InputType,
  ProviderConstructor,
  ResourceConstructor,
  SourceConstructor,
  Utf8Input,
} from './types.js';
