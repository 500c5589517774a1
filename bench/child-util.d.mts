export declare const BENCH_SECRET: string;
export interface TfInits {
  /** Threads that created a TensorFlow.js engine. */
  threads: number;
  /** Backend initialisations (all threads). */
  backendInits: number;
  /** Largest number of backend initialisations in any one thread (1 = initialised once). */
  maxPerThread: number;
}
export declare function readTfLog(file: string): TfInits;
export declare function peakRssMb(): number;
export declare function args(argv?: string[]): Record<string, string>;
export declare function report(result: unknown): void;
export declare function requireFreshDist(): void;
export declare function osThreadId(): number | undefined;
export declare function threadCpuSeconds(tid: number): number | undefined;
export declare const THREAD_CHANNEL: string;
