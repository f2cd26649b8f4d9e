declare const KELPIE_VERSION: string;

/** The version baked in at build time. */
export const VERSION = typeof KELPIE_VERSION === 'string' ? KELPIE_VERSION : 'dev';
