// API fuzzing: schemathesis (PyPI) generates requests from our own served
// /v2/openapi.json and checks every answer against it (no 5xx, documented
// status codes, content types and schemas). Runs against the built worker in
// workerd on loopback with an admin token (an editor's rights, plus tokens,
// keys, purge, backup and restore; only the puller routes answer it 403). schemathesis_hooks.py makes the
// `.dockerconfigjson` strings real documents, so creates succeed.
//
// After the examples and fuzzing, the stateful phase follows the document's
// links from a create to the secret it made (get, modify, check, delete) and
// checks that a created secret is there.
// SCHEMATHESIS_MAX_EXAMPLES sets the examples per operation. The short run in
// `cargo xtask test` runs one stateful pass (a few seconds); the long one in
// `cargo xtask fuzz` sets SCHEMATHESIS_STATEFUL_SECONDS, and the stateful
// phase runs on its own, scenario after scenario, for that long.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ARTIFACTS, startWorker, TOKENS } from '../e2e/harness.mjs';

const examples = process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '50';
const statefulSeconds = process.env.SCHEMATHESIS_STATEFUL_SECONDS;
const checks = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance',
  'response_schema_conformance', 'response_headers_conformance',
  // Stateful only: a created secret can be read. Not `use_after_free`: it
  // reads any path under a deleted secret as that secret, and a deleted
  // secret's /versions (and /undelete) answer 200 by design, for undelete
  // within retention. That a deleted secret's get and pull are 404 is held
  // by tests/e2e/api.test.mjs and versions.test.mjs.
  'ensure_resource_availability'].join(',');
const runs = statefulSeconds
  ? [['fuzzing', ['--phases', 'examples,fuzzing']],
    ['stateful', ['--phases', 'stateful', '--max-time', statefulSeconds]]]
  : [['fuzzing', ['--phases', 'examples,fuzzing,stateful']]];

function schemathesis(args) {
  return new Promise((resolve) => {
    const env = { ...process.env, NO_COLOR: '1', SCHEMATHESIS_HOOKS: path.join(import.meta.dirname, 'schemathesis_hooks.py') };
    const child = spawn(process.env.SCHEMATHESIS ?? 'schemathesis', args, { stdio: 'inherit', env });
    child.on('exit', (c) => resolve(c ?? 1));
    child.on('error', (e) => { console.error(`could not start schemathesis: ${e.message}`); resolve(1); });
  });
}

const w = await startWorker({ vars: { REGCRED_MAX_SECRETS: '100000' } });
let code = 0;
try {
  for (const [name, phases] of runs) {
    const report = path.join(ARTIFACTS, name === 'fuzzing' ? 'schemathesis.xml' : `schemathesis-${name}.xml`);
    code ||= await schemathesis([
      'run', `${w.url}/v2/openapi.json`,
      '--header', `Authorization: Bearer ${TOKENS.admin}`,
      '--checks', checks,
      '--max-examples', examples,
      ...phases,
      '--workers', '2',
      '--seed', '20261123',
      '--report', 'junit', '--report-junit-path', report,
    ]);
  }
  // A request that reached the worker never leaks a stored secret in its log.
  if (w.log().includes(TOKENS.admin)) { console.error('the worker log holds the admin token'); code = 1; }
} finally {
  await w.stop();
}
process.exitCode = code;
