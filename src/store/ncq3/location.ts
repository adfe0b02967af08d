/** Where a key's current section lives: what an index slot or a pending scan records. */
export interface SectionLocation {
  /** The data file's key (`f-<key>.data`). */
  dataKey: bigint;
  /** File offset of the section's size field. */
  offset: number;
  /** Whole section length, size field included. */
  length: number;
}
