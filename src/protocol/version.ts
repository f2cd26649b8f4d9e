// The version and build id baked in by scripts/build.mjs. The build id changes with every
// change to the sources, so `status` can tell a running daemon from newer installed code.
declare const KELPIE_VERSION: string;
declare const KELPIE_BUILD: string;

/** The package version. */
export const VERSION = typeof KELPIE_VERSION === 'string' ? KELPIE_VERSION : 'dev';
/** A short hash of the sources this program was built from. */
export const BUILD = typeof KELPIE_BUILD === 'string' ? KELPIE_BUILD : 'dev';
