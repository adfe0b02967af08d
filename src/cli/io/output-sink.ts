/**
 * Where a command's content output goes: `-o FILE` (replaced only on success) or stdout
 * (binary data refused on a terminal unless `-o -`).
 */
import { writeStdoutDone } from '../output.js';
import { openOutputFile, type OutputFileOptions, type OutputSink } from './output-file.js';
import { guardTerminal } from './terminal-guard.js';

/** stdout as a sink; a closed pipe ends the command (StdoutClosedError). */
function stdoutSink(): OutputSink {
  return { write: writeStdoutDone, commit: async () => {}, abort: async () => {} };
}

/** Runs `body` with a sink for `-o FILE` or stdout, committing or aborting it. */
export async function withOutput(
  output: string | undefined,
  opts: OutputFileOptions,
  body: (sink: OutputSink) => Promise<void>,
): Promise<void> {
  const sink =
    output !== undefined && output !== '-'
      ? openOutputFile(output, opts)
      : guardTerminal(stdoutSink(), output);
  try {
    await body(sink);
  } catch (e) {
    await sink.abort();
    throw e;
  }
  await sink.commit();
}
