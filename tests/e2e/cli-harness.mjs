// Running the installed CLI (`cargo install --path cli`, by cargo xtask
// test) from a test: its own config file and HOME, our binaries first on
// PATH, and a pseudo-terminal (terminal.py) for the commands that ask.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, TOKENS } from './harness.mjs';

export const BIN = process.env.REGCRED_CLI_BIN ?? path.join(ROOT, 'target', 'cli', 'bin');

/** A CLI for the worker at `url`, living in `dir`. */
export function cli(dir, url) {
  const env = (extra = {}) => ({
    PATH: `${BIN}:${process.env.PATH}`,
    HOME: dir,
    REGCRED_CONFIG: path.join(dir, 'config.json'),
    REGCRED_URL: url(),
    ...extra,
  });
  // `role: null`: no stored token (a workload brings its own).
  const as = (role) => (role ? { REGCRED_TOKEN: TOKENS[role] } : {});
  return {
    as,
    env,
    /** Runs an installed binary as `role`; never throws. */
    run(args, { input = '', role = 'editor', extra = {}, bin = 'regcred' } = {}) {
      const r = spawnSync(path.join(BIN, bin), args, { input, env: env({ ...as(role), ...extra }), encoding: 'utf8', timeout: 60_000 });
      return { code: r.status, out: r.stdout, err: r.stderr };
    },
    /** `run` without blocking this process (a stand-in in it must answer meanwhile). */
    runAsync(args, { input = '', role = 'editor', extra = {}, bin = 'regcred' } = {}) {
      return new Promise((resolve) => {
        const child = spawn(path.join(BIN, bin), args, { env: env({ ...as(role), ...extra }) });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => { out += d; });
        child.stderr.on('data', (d) => { err += d; });
        child.on('close', (code) => resolve({ code, out, err }));
        // A command that reads no stdin may exit before this is written.
        child.stdin.on('error', () => {});
        child.stdin.end(input);
      });
    },
    /** The same on a pseudo-terminal, answering `answers` ([prompt, answer]) in order. */
    onTerminal(args, answers, { role = 'editor', extra = {} } = {}) {
      const pairs = answers.map(([p, a]) => `${p}=${a}`);
      const r = spawnSync('python3', [path.join(ROOT, 'tests/e2e/terminal.py'), ...pairs, '--', path.join(BIN, 'regcred'), ...args], {
        env: { ...env({ ...as(role), ...extra }), TERM: 'dumb' }, encoding: 'utf8', timeout: 60_000,
      });
      return { code: r.status, screen: r.stdout };
    },
  };
}
