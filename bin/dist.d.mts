/** Types of bin/dist.mjs (plain JavaScript: it runs before any loader is registered). */
export declare const ROOT: string;
export declare const DIST: string;
export declare const STAMP: string;
export declare function walk(dir: string): string[];
export declare function sourceFingerprint(root?: string): string;
export declare function freshDistEntry(root?: string, dist?: string): URL | undefined;
