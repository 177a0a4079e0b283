// import-in-the-middle ships this predicate in a file of its own, with no imports, so that a
// preload can ask it without loading the loader (register-hooks.mjs pulls in the whole loader);
// the file has no type declarations of its own, so it borrows register-hooks.mjs's.
declare module 'import-in-the-middle/supports-sync-hooks.mjs' {
  export { supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';
}
