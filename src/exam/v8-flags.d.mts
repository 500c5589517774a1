export declare const GENERATE_NODE_FLAGS: string[];
export declare const GENERATE_ENV: Record<string, string>;
export declare const WORKER_YOUNG_GENERATION_MB: number;
