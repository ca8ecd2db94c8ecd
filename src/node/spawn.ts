/** Starting a `loopchain node` as a child process (the devnet, tests and benchmarks run nodes this way). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../score/bundle.js';

/**
 * Runs `loopchain node --config <configPath>` (TypeScript through tsx, from the project root) with stdout and
 * stderr appended to `logPath`. Effects: starts a process, opens the log file.
 */
export function spawnNode(configPath: string, logPath: string): ChildProcess {
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/main.ts'), 'node', '--config', configPath],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}
