/** `npm start`: serve the chat on PORT (default 3000) and print its URL. */
import { start } from './app.js';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not "${process.env.PORT}"`);
  process.exit(1);
}

const app = await start({ port, host: process.env.HOST ?? '127.0.0.1' }).catch((err: NodeJS.ErrnoException) => {
  if (err.code === 'EADDRINUSE') {
    console.error(`Port ${port} is already in use. Pick another one with PORT, e.g.: PORT=${port + 1} npm start`);
  } else console.error(err.message);
  process.exit(1);
});
// Last, on its own line: the one thing to look for after the build's lines.
console.log(`\nAckwire chat is running: ${app.url}\n(Ctrl-C to stop; PORT=<n> npm start for another port)`);

const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
