// A tiny HTTP service for the quick start.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8480);
const server = createServer((req, res) => {
  console.log(`${req.method} ${req.url}`);
  res.end('hello from kelpie\n');
});
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
process.on('SIGTERM', () => {
  console.log('SIGTERM: closing');
  server.close(() => process.exit(0));
});
