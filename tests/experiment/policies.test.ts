/** preparePolicies: what `run` refuses before touching anything (issue 13 item 16: a kind typo is named as one). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/errors.js';
import { preparePolicies } from '../../src/experiment/policies.js';

/** The ConfigError preparePolicies throws for one policy file holding `text`, and that file's path. */
async function refusal(text: string): Promise<{ file: string; message: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'meshproof-policies-'));
  try {
    const file = join(dir, 'p.yaml');
    await writeFile(file, text);
    const err = await preparePolicies({ files: [file] }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.instance(err, ConfigError);
    return { file, message: err!.message };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('run refuses kind: DestinationRules naming the typo and what Istio serves (exit 2)', async () => {
  const { file, message } = await refusal(
    'apiVersion: networking.istio.io/v1\nkind: DestinationRules\nmetadata:\n  name: productpage\nspec:\n  host: productpage\n',
  );
  assert.ok(
    message.startsWith(
      `${file}:2:1: error: kind: "DestinationRules" is not a kind of networking.istio.io (did you mean "DestinationRule"?)`,
    ),
    message,
  );
});

test('run still refuses a served kind it does not apply (Gateway) with the old message', async () => {
  const { file, message } = await refusal(
    'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec: {}\n',
  );
  assert.is(message, `${file}:1:1: Gateway gw: an experiment applies only DestinationRule and VirtualService objects`);
});

test.run();
