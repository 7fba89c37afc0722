/**
 * TOTP codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) computed in the test with
 * node:crypto, as an authenticator app would. The bff accepts each step once, so the
 * steps used are remembered in a file (global setup and the test workers are separate
 * processes) and a code is only ever made for a step not used yet (the current one or
 * the next, which the bff's drift window takes), waiting for a later step when needed.
 */
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const STEP_SECONDS = 30;
const STEPS_FILE = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'test-results', 'e2e-totp-steps.json');
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(secret: string): Buffer {
  let bits = '';
  for (const char of secret.replace(/=+$/, '').toUpperCase()) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new Error('not a base32 secret');
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code of one time step. */
export function totpAt(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = digest[digest.length - 1]! & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

function usedSteps(): Record<string, number> {
  if (!existsSync(STEPS_FILE)) return {};
  return JSON.parse(readFileSync(STEPS_FILE, 'utf8')) as Record<string, number>;
}

/** A code for the current step, or the next one when the current step was used already. */
export async function freshTotp(secret: string): Promise<string> {
  const used = usedSteps();
  const last = used[secret] ?? 0;
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / STEP_SECONDS);
    // The bff takes one step of drift either way, so the next step's code is good now too.
    const step = Math.max(now, last + 1);
    if (step <= now + 1) {
      used[secret] = step;
      mkdirSync(dirname(STEPS_FILE), { recursive: true });
      writeFileSync(STEPS_FILE, JSON.stringify(used));
      return totpAt(secret, step);
    }
    await new Promise((done) => setTimeout(done, (STEP_SECONDS - ((Date.now() / 1000) % STEP_SECONDS)) * 1000 + 100));
  }
}
