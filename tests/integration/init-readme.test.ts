/**
 * `bffkit init` writes the README's files: the templates of packages/bffkit/src/cli/init-templates.ts
 * (default preset, TypeScript, `@/` alias) must equal the code blocks of README.md's "Using bffkit in
 * your app", and the layout change it prints must be the README's step 5. Either changes only with
 * the other.
 */
import { describe, expect, it } from 'vitest';
import { LAYOUT_BODY, LAYOUT_IMPORTS, templateFiles } from '../../packages/bffkit/src/cli/init-templates';
import { readmeSetup } from '../support/readme-files';

describe("bffkit init's templates and the README", () => {
  const readme = readmeSetup();

  it('write the same files, path for path and byte for byte', () => {
    const init = new Map(templateFiles('oauth2').map((f) => [f.path, f.content]));
    expect([...init.keys()].sort()).toEqual([...readme.files.keys()].sort());
    for (const [path, content] of readme.files) expect(init.get(path), path).toBe(content);
  });

  it('print the README layout change', () => {
    expect(LAYOUT_IMPORTS.split('\n')).toEqual(readme.layout.imports);
    expect(LAYOUT_BODY.trim()).toBe(readme.layout.body);
  });
});
