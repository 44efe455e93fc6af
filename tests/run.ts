/**
 * Test entry point: uvu's own loader over tests/**\/*.test.ts, then an explicit exit so a
 * leaked socket can never hang CI (uvu only sets process.exitCode). An optional argument
 * filters files by a regular expression: `npm test -- mesh/`.
 */
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';

const filter = process.argv[2] ? new RegExp(process.argv[2]) : undefined;
const ctx = await parse('tests', /\.test\.ts$/, {});
const suites = filter ? ctx.suites.filter((s: { name: string }) => filter.test(s.name)) : ctx.suites;
await run(suites, { bail: false });
// uvu has printed its Total/Passed/Skipped summary; give stdout a tick to flush, then leave.
setTimeout(() => process.exit(process.exitCode ?? 0), 50);
