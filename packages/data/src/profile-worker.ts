/**
 * The worker thread of `startBatchProfiler`: profiles the column batches it is sent, acknowledges each,
 * and answers the end message with the table profile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createTableProfiler, type ProfileTableOptions } from './profile/index.js';
import { toProfileColumns } from './profile-batches.js';
import type { ProfilerMessage } from './batch-profiler.js';

const profiler = createTableProfiler(workerData as ProfileTableOptions);
parentPort!.on('message', (message: ProfilerMessage) => {
  if (message.type === 'end') {
    parentPort!.postMessage({ type: 'profile', profile: profiler.toJSON() });
    return;
  }
  profiler.addColumns(toProfileColumns(message.batch));
  parentPort!.postMessage({ type: 'added' });
});
