export { createProgram } from './program.js';
export { run } from './main.js';
export { renderCliDocs } from './cli-docs.js';
