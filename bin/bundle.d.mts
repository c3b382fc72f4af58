/** See bundle.mjs: the bundled CLI's path under `root` if it is built and up to date, else undefined. */
export declare const freshBundle: (root: string) => string | undefined;
