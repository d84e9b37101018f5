import { isPlainObject, NormalisationError } from '../descriptor/normalisation/index.js';

/**
 * The identity of a resource or component reference for messages: `name` plus its extra identity.
 * (The implicit `version` member for otherwise clashing identities needs the sibling list; callers
 * that have it can add it.)
 */
export function elementIdentity(element: unknown): Record<string, string> {
  if (!isPlainObject(element)) return {};
  const identity: Record<string, string> = { name: String(element.name ?? '') };
  if (isPlainObject(element.extraIdentity)) {
    for (const [key, value] of Object.entries(element.extraIdentity)) {
      if (key !== 'name') identity[key] = String(value);
    }
  }
  return identity;
}

/** The `component` object of a descriptor, or `undefined`. */
export function componentOf(descriptor: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(descriptor) || !isPlainObject(descriptor.component)) return undefined;
  return descriptor.component;
}

/** The entries of a list member of `component`; missing, null or malformed lists are empty. */
export function listOf(component: Record<string, unknown> | undefined, key: string): unknown[] {
  const list = component?.[key];
  return Array.isArray(list) ? list : [];
}

/**
 * A deep copy of a descriptor, so that callers' objects are never modified. Throws
 * `NormalisationError` for values that cannot be copied (functions, symbols).
 */
export function cloneDescriptor(descriptor: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(descriptor);
  } catch (cause) {
    throw new NormalisationError('', 'the descriptor holds values that cannot be copied', { cause });
  }
}
