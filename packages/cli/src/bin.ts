import { run } from './main.js';

// run() sets process.exitCode and never rejects.
void run();
