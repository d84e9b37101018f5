// For test/unit/test-runner.test.ts: a skipped test, a todo test, and a healthy one.
import { it } from 'node:test';

it('skipped on purpose', { skip: 'a reason' }, () => {});
it.todo('still to write');
it('passes', () => {});
