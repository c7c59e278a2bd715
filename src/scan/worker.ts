/** Worker thread entry: parses and analyses batches of documents for this machine's scan. */
import { parentPort } from 'node:worker_threads';
import { answer, createHandler, type WorkerRequest } from './handler.js';

const handle = createHandler();
parentPort!.on('message', (request: WorkerRequest) => {
  const response = answer(handle, request);
  // the sketch is large and no longer needed here: moved, not copied
  parentPort!.postMessage(response, response.type === 'near-sketch' ? [response.counts.buffer as ArrayBuffer] : []);
});
