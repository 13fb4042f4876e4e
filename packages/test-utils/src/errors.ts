import type { MlshipError } from '@mlship/core';

/** The coded error a promise rejects with (fails the test when it resolves). */
export async function caught(promise: Promise<unknown>): Promise<MlshipError> {
  try {
    await promise;
  } catch (error) {
    return error as MlshipError;
  }
  throw new Error('expected a rejection');
}
