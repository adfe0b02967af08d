/** One yes/no question on stderr, answered by a line on stdin. */
import { createInterface } from 'node:readline';

/** Asks `question` on stderr and reads one answer line from stdin; end of input is no. */
export async function askYesNo(question: string): Promise<boolean> {
  process.stderr.write(question);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    const r = await rl[Symbol.asyncIterator]().next();
    return !r.done && /^y(es)?$/i.test(r.value.trim());
  } finally {
    rl.close();
  }
}
