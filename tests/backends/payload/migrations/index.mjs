// Generated with `payload migrate:create initial` (then turned from TypeScript into plain ESM);
// run on start by the SQLite adapter's `prodMigrations`, since `next start` never pushes the schema.
import * as initial from './20261201_211404_initial.mjs';

export const migrations = [{ up: initial.up, down: initial.down, name: '20261201_211404_initial' }];
