/** See tf-probe.mjs: logs TensorFlow.js engine creations / backend initialisations of this thread to `logFile`. */
export function installTfProbe(logFile: string | undefined): void;
