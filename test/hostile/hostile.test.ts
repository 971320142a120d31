// The short hostile-input run of `npm test`: each attack of ATTACKS with its quick commands, through the real
// CLI in a bounded child process (test/hostile/suite.ts). `npm run hostile` runs every command, ONNX Runtime
// included.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ATTACKS, quickCommands } from './attacks';
import { cliPath, runAttack } from './suite';

describe('hostile inputs: every command ends in bounds, with a clear result, touching only what it lists', () => {
  for (const attack of ATTACKS) {
    test(`${attack.name}: ${attack.what}`, async () => {
      const cli = cliPath();
      const failures: string[] = [];
      for (const command of quickCommands(attack)) {
        const result = await runAttack(attack, command, cli);
        if (result.problems.length > 0) failures.push(`${command.name}: ${result.problems.join('; ')}`);
      }
      assert.deepEqual(failures, []);
    });
  }
});
