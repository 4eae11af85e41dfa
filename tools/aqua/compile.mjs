// Compiles one .aqua file with Fluence's Aqua compiler and prints, as one JSON object on
// stdout, every exported function's AIR script and argument names:
//   {"errors": [...], "warnings": [...], "functions": {"name": {"script": "...", "args": ["a", "b"]}}}
// Usage: node compile.mjs FILE.aqua [IMPORT_DIR ...]
// `@fluencelabs/aqua-lib/builtin.aqua` resolves from this folder's node_modules.
import { compileFromPath } from "@fluencelabs/aqua-api";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [file, ...extraImports] = process.argv.slice(2);
if (!file) {
  console.error("usage: node compile.mjs FILE.aqua [IMPORT_DIR ...]");
  process.exit(2);
}

// Scala.js mangles field names (`Laqua_js_..._f_domain`): find fields by their suffix.
const field = (object, suffix) => {
  if (!object || typeof object !== "object") return undefined;
  const key = Object.keys(object).find((k) => k === suffix || k.endsWith(`_f_${suffix}`));
  return key === undefined ? undefined : object[key];
};
const argNames = (def) => Object.keys(field(field(field(def, "arrow"), "domain"), "fields") ?? {});
// Terminal colour codes are noise in an error message printed by another program.
const plain = (text) => String(text).replace(/\u001b\[[0-9;]*m/g, "");

const result = await compileFromPath({
  filePath: resolve(file),
  imports: [join(here, "node_modules"), ...extraImports.map((d) => resolve(d))],
});
const functions = {};
for (const [name, fn] of Object.entries(result.functions)) {
  functions[name] = { script: fn.script, args: argNames(fn.funcDef) };
}
console.log(
  JSON.stringify({
    errors: result.errors.map(plain),
    warnings: result.warnings.map(plain),
    functions,
  }),
);
