import type { FullConfig } from '@playwright/test';
import { startSystem } from './system';

/** Start the system once for every journey; Playwright calls the returned function at the end. */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const { info, stop } = await startSystem();
  // Workers are forked after global setup and inherit this environment.
  process.env.E2E_SYSTEM = JSON.stringify(info);
  return stop;
}
