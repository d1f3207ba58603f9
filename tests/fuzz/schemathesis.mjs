// API fuzzing: schemathesis (PyPI) generates requests from our own served
// /v2/openapi.json and checks every answer against it (no 5xx, documented
// status codes, content types and schemas). Runs against the built worker in
// workerd on loopback with an editor token. SCHEMATHESIS_MAX_EXAMPLES sets
// the examples per operation (the short run in `cargo xtask test`, the long
// one in `cargo xtask fuzz`).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ARTIFACTS, startWorker, TOKENS } from '../e2e/harness.mjs';

const examples = process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '50';
const w = await startWorker({ vars: { REGCRED_MAX_SECRETS: '100000' } });
let code = 1;
try {
  const args = [
    'run', `${w.url}/v2/openapi.json`,
    '--header', `Authorization: Bearer ${TOKENS.editor}`,
    '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance',
    '--max-examples', examples,
    '--phases', 'examples,fuzzing',
    '--workers', '2',
    '--seed', '20261123',
    '--report', 'junit', '--report-junit-path', path.join(ARTIFACTS, 'schemathesis.xml'),
  ];
  code = await new Promise((resolve) => {
    const child = spawn(process.env.SCHEMATHESIS ?? 'schemathesis', args, { stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } });
    child.on('exit', (c) => resolve(c ?? 1));
    child.on('error', (e) => { console.error(`could not start schemathesis: ${e.message}`); resolve(1); });
  });
  // A request that reached the worker never leaks a stored secret in its log.
  if (w.log().includes(TOKENS.editor)) { console.error('the worker log holds the editor token'); code = 1; }
} finally {
  await w.stop();
}
process.exitCode = code;
