// For test/unit/test-runner.test.ts: a test that never ends and keeps a handle open, a hook that
// never ends, and a healthy test after them.
import { before, describe, it } from 'node:test';

const never = () => new Promise<void>(() => setInterval(() => {}, 1000));

describe('a suite whose hook hangs', () => {
  before(never);
  it('never runs', () => {});
});
it('hangs', never);
it('passes', () => {});
