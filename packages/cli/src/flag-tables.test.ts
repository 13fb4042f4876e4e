// Flag tables as commander sees them: every command's options come from its table under the keys
// parseFlags reads, and `mlship serve` parses its flags as the serve runtime entry does.
import type { Command } from 'commander';
import { flagAttribute, flagName } from '@mlship/core';
import { parseServeArgs, serveFlags, serveOptionsOf } from '@mlship/serve/flags';
import { serveCommandFlags } from './commands/serve.js';
import { createProgram } from './program.js';

const allCommands = (command: Command): Command[] => [command, ...command.commands.flatMap(allCommands)];

/** The options commander parses for `mlship serve ARGS` (the action replaced: nothing is served). */
async function serveOpts(args: string[]): Promise<Record<string, unknown>> {
  const program = createProgram({ only: 'serve' });
  const serve = program.commands.find((command) => command.name() === 'serve')!;
  let opts: Record<string, unknown> = {};
  serve.action((...received: unknown[]) => {
    opts = received[received.length - 2] as Record<string, unknown>;
  });
  await program.parseAsync(['node', 'mlship', 'serve', 'model-dir', ...args]);
  return opts;
}

describe('flag tables', () => {
  it('key each option where commander stores it', () => {
    const options = allCommands(createProgram()).flatMap((command) => command.options);
    expect(options.length).toBeGreaterThan(100);
    for (const option of options) expect([option.flags, flagAttribute(option.flags)]).toEqual([option.flags, option.attributeName()]);
  });

  it('give mlship serve the runtime entry flags, in table order, then its own', () => {
    const serve = createProgram({ only: 'serve' }).commands.find((command) => command.name() === 'serve')!;
    const table = Object.values(serveFlags()).flatMap((spec) => ('negation' in spec ? [spec.flag, `--no-${flagName(spec.flag).slice(2)}`] : [spec.flag]));
    expect(serve.options.map((option) => option.flags)).toEqual([...table, ...Object.values(serveCommandFlags()).map((spec) => spec.flag)]);
  });

  it('parse mlship serve flags as the runtime entry parses them', async () => {
    const argvs = [
      [],
      ['--host', '0.0.0.0', '--port', '9000', '--workers', 'auto', '--target', 'edge', '--threads', '2', '--inter-op-threads', '3'],
      ['--max-batch-size', '8', '--max-queue-delay-us', '0', '--no-batching', '--max-queue', '10', '--max-queue-elements', '100', '--timeout-ms', '50'],
      ['--max-body-bytes', '4096', '--body-timeout-ms', '200', '--drain-timeout-ms', '0', '--max-connections', '5', '--tls-key', 'k.pem', '--tls-cert', 'c.pem'],
      ['--log-dir', 'logs', '--log-sample', '0.25', '--log-max-bytes', '2048', '--log-max-files', '0', '--split', '1=90,2=10', '--seed', '7', '--admin'],
      ['--no-admin', '--workers', '3', '--token-file', ''],
      ['--extra-fields', 'error', '--echo', 'id', '--echo', 'ref,batch'],
    ];
    for (const argv of argvs) {
      const { options } = parseServeArgs(['model-dir', ...argv], {});
      expect({ models: ['model-dir'], ...serveOptionsOf(await serveOpts(argv)) }).toEqual(options);
    }
    await expect(serveOpts(['--port', 'eighty']).then(serveOptionsOf)).rejects.toMatchObject({ code: 'MLSHIP_E_SERVE_OPTIONS', message: '--port needs an integer, got "eighty"' });
    await expect(serveOpts(['--tls-key', 'k.pem']).then(serveOptionsOf)).rejects.toThrow(/--tls-key and --tls-cert go together/);
  });
});
