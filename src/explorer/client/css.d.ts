// esbuild bundles imported CSS into explorer.css; the import itself has no value.
declare module "*.css";
