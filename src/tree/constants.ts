/** hbs2's tree constants (hbs2-core/lib/HBS2/Defaults.hs, spec §3.2). */

/** Size of every data block but the last: 256 KiB (`defBlockSize`). */
export const BLOCK_SIZE = 262_144;
/** Hashes per leaf (`defHashListChunk`, MaxSize). */
export const LEAF_MAX = 1024;
/** Children per node (`defTreeChildNum`, MaxNum). */
export const NODE_MAX = 256;
/** Deepest tree the reader walks before deciding the tree is hostile. */
export const MAX_TREE_DEPTH = 64;
