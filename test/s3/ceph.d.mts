/** Types of ceph.mjs (the harness is plain JavaScript so the bench can run it with node). */
export interface CephInfo {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  conf: string;
}
export const TEST_ACCESS_KEY: string;
export const TEST_SECRET_KEY: string;
export function cephInstalled(): boolean;
export function startCeph(dir: string): Promise<CephInfo>;
export function stopCeph(dir: string): Promise<void>;
export function startRgw(dir: string): Promise<CephInfo>;
export function killRgw(dir: string): void;
