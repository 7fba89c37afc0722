// Fails when src/api/schema.d.ts is not what `npm run gen:api` would write from the
// committed contracts/openapi/bff.yaml (the bff's contract changed, the types did not).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('..', import.meta.url).pathname;
const contract = join(here, '..', 'contracts', 'openapi', 'bff.yaml');
const committed = join(here, 'src', 'api', 'schema.d.ts');

function check(output) {
  // The same command line as `npm run gen:api`, writing elsewhere.
  const script = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).scripts['gen:api'];
  const args = script.split(/\s+/).slice(1);
  args[0] = contract;
  args[args.indexOf('-o') + 1] = output;
  try {
    execFileSync(join(here, 'node_modules', '.bin', 'openapi-typescript'), args, { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    return `openapi-typescript could not read ${contract}.`;
  }
  if (!existsSync(committed) || readFileSync(output, 'utf8') !== readFileSync(committed, 'utf8')) {
    return 'src/api/schema.d.ts is stale: run `npm run gen:api` in webapp/ and commit the result.';
  }
  return null;
}

if (!existsSync(contract)) {
  console.error(`${contract} is missing: the bff's contract must be committed.`);
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'check-api-'));
let problem;
try {
  problem = check(join(dir, 'schema.d.ts'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (problem) {
  console.error(problem);
  process.exit(1);
}
console.log('src/api/schema.d.ts matches contracts/openapi/bff.yaml');
