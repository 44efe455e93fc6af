/** Every verb, in the order `meshproof --help` lists them. */
import validate from './validate.js';
import lint from './lint.js';
import mesh from './mesh.js';
import load from './load.js';
import run from './run.js';
import demo from './demo.js';
import diff from './diff.js';
import restore from './restore.js';

export const commands = [run, demo, diff, validate, lint, load, mesh, restore];
