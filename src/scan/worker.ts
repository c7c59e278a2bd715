/** Worker thread entry: parses and analyses batches of documents for this machine's scan. */
import { parentPort } from 'node:worker_threads';
import { answer, createHandler, type WorkerRequest } from './handler.js';

const handle = createHandler();
// one request at a time, in the order sent: a shard's split part is written range after range
let previous: Promise<void> = Promise.resolve();
parentPort!.on('message', (request: WorkerRequest) => {
  previous = previous.then(async () => {
    const response = await answer(handle, request);
    // the sketch is large and no longer needed here: moved, not copied
    parentPort!.postMessage(response, response.type === 'near-sketch' ? [response.counts.buffer as ArrayBuffer] : []);
  });
});
