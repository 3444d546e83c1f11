// A yes/no question on the terminal (stdin/stderr, so stdout stays clean); "no" when stdin is not a terminal.
import { createInterface } from 'node:readline/promises';
import type { Confirm } from './replay.command';

export const terminalConfirm: Confirm = async (question) => {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
};
