// The hostile-input suite: `npm run hostile` (after npm run build). Runs every CLI command of
// test/hostile/attacks.ts on every attack, as the real CLI in a bounded child process, and prints one line per
// run and the failures; exits 1 when anything failed. `--attack NAME` runs one attack.
import { ATTACKS, COMMANDS, commandsFor } from '../test/hostile/attacks';
import { BOUNDS, cliPath, runAttack } from '../test/hostile/suite';

async function main(): Promise<number> {
  const only = process.argv.includes('--attack')
    ? process.argv[process.argv.indexOf('--attack') + 1]
    : undefined;
  const attacks = ATTACKS.filter((a) => !only || a.name === only);
  if (attacks.length === 0) {
    console.error(`no attack named ${only}: ${ATTACKS.map((a) => a.name).join(', ')}`);
    return 2;
  }
  const cli = cliPath();
  console.log(
    `hostile: ${attacks.length} attacks × ${COMMANDS.length} commands; bounds ${BOUNDS.timeoutMs / 1000} s, ${BOUNDS.memoryMb} MB, ${BOUNDS.stderrLines} stderr lines`,
  );
  let failures = 0;
  let runs = 0;
  for (const attack of attacks) {
    console.log(`${attack.name}: ${attack.what}`);
    if (attack.noRuntime) console.log(`  (without the ONNX Runtime commands: ${attack.noRuntime})`);
    for (const command of commandsFor(attack)) {
      const r = await runAttack(attack, command, cli);
      runs++;
      const verdict = r.problems.length === 0 ? 'ok' : `FAIL: ${r.problems.join('; ')}`;
      if (r.problems.length > 0) failures++;
      console.log(
        `  ${command.name.padEnd(24)} exit ${String(r.code).padEnd(4)} ${String(r.ms).padStart(6)} ms ${String(r.peakMb).padStart(5)} MB  ${verdict}`,
      );
    }
  }
  console.log(`hostile summary: ${runs} runs, ${failures} failures`);
  return failures > 0 ? 1 : 0;
}

void main().then((code) => process.exit(code));
