export declare const GENERATE_NODE_FLAGS: string[];
export declare const WORKER_YOUNG_GENERATION_MB: number;
