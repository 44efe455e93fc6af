import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { basename } from 'node:path';
import { DEMO_SCENARIOS, demoScenarioFiles, packageScenariosDir } from '../../src/cli/demo-scenarios.js';
import { UsageError } from '../../src/errors.js';

test('demo scenarios: the five in story order, found from the package; unknown names are usage errors', () => {
  const files = demoScenarioFiles([]);
  assert.equal(
    files.map((f) => basename(f, '.yaml')),
    [...DEMO_SCENARIOS],
  );
  assert.equal(
    demoScenarioFiles(['retries']).map((f) => basename(f)),
    ['retries.yaml'],
  );
  assert.ok(packageScenariosDir().endsWith('scenarios'));
  try {
    demoScenarioFiles(['retry']);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UsageError);
    assert.match(
      (err as Error).message,
      /^unknown demo scenario "retry"; expected one of connection-pool-overflow, fault-injection, outlier-detection, outlier-detection-default-cap, retries, route-timeout$/,
    );
  }
});

test.run();
