import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The one way ocm-ts validates a document against a shipped JSON schema (the descriptor schema, the
 * constructor schema): Ajv for JSON Schema 2020-12 with every error reported (`allErrors`), formats
 * asserted, and `date-time` as RFC 3339 (`isDateTime`). `strict: false` because the upstream schemas
 * carry keywords Ajv's strict mode flags (patterns and lengths on untyped definitions); `logger:
 * false` because library code never writes to the console.
 *
 * Returns a getter that compiles on first use (compiling costs milliseconds that a command which never
 * validates should not pay) and then returns the same function.
 */
export function lazySchemaValidator(schema: () => object): () => ValidateFunction {
  let compiled: ValidateFunction | undefined;
  return () => {
    if (compiled === undefined) {
      const ajv = new Ajv2020({ allErrors: true, strict: false, logger: false, validateFormats: true });
      ajv.addFormat('date-time', isDateTime);
      compiled = ajv.compile(schema());
    }
    return compiled;
  };
}

const dateTimePattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** RFC 3339 `date-time`, the format Go's `time.Time` writes and reads. */
export function isDateTime(value: string): boolean {
  const m = dateTimePattern.exec(value);
  if (m === null) return false;
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  const offsetHours = m[7] === undefined ? 0 : Number(m[7]);
  const offsetMinutes = m[8] === undefined ? 0 : Number(m[8]);
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= 31 &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 60 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59
  );
}
