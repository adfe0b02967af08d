import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** Registers the `metadata` commands (filled in by the owning work item). */
export function register(_program: Command, _ctx: CliContext): void {}
