import { expect } from 'vitest';
import { UserError } from '../../src/errors.js';

/** The UserError `p` rejects with (failing the test when it resolves or rejects with anything else). */
export async function rejectionOf(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}
