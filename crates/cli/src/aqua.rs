//! Compiling `.aqua` flows with Fluence's Aqua compiler (npm `@fluencelabs/aqua-api`), driven
//! by `tools/aqua/compile.mjs` under Node.js. `scripts/setup.sh` installs the compiler.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use serde::Deserialize;

/// One exported Aqua function compiled to AIR.
#[derive(Debug, Clone, Deserialize)]
pub struct Function {
    pub script: String,
    /// Argument names in declaration order; the flow reads each with `getDataSrv`.
    pub args: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Output {
    errors: Vec<String>,
    #[serde(default)]
    warnings: Vec<String>,
    functions: BTreeMap<String, Function>,
}

/// The folder holding `compile.mjs` and its `node_modules`: `$WEFT_AQUA_DIR`, or the
/// repository's `tools/aqua`.
fn compiler_dir() -> PathBuf {
    std::env::var_os("WEFT_AQUA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/aqua"))
}

/// Compiles `file` and returns its exported functions.
pub fn compile(file: &Path) -> anyhow::Result<BTreeMap<String, Function>> {
    let dir = compiler_dir();
    if !dir.join("node_modules/@fluencelabs/aqua-api").is_dir() {
        bail!(
            "the Aqua compiler is not installed in {}: run scripts/setup.sh (it runs `npm ci` there)",
            dir.display()
        );
    }
    let output = Command::new("node")
        .arg(dir.join("compile.mjs"))
        .arg(file)
        .output()
        .context("cannot run node (Node.js 18 or newer is needed to compile Aqua)")?;
    if !output.status.success() {
        bail!(
            "the Aqua compiler failed on {}:\n{}",
            file.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let out: Output = serde_json::from_slice(&output.stdout)
        .context("the Aqua compiler's output is not the JSON compile.mjs prints")?;
    if !out.errors.is_empty() {
        bail!(
            "{} does not compile:\n{}",
            file.display(),
            out.errors.join("\n")
        );
    }
    for warning in &out.warnings {
        eprintln!("aqua warning: {warning}");
    }
    if out.functions.is_empty() {
        bail!(
            "{} exports no functions: add `export NAME` after its `aqua MODULE` header",
            file.display()
        );
    }
    Ok(out.functions)
}

/// Picks the function to run: `--func`, or the only one exported.
pub fn choose(
    functions: &BTreeMap<String, Function>,
    name: Option<&str>,
) -> anyhow::Result<(String, Function)> {
    let names: Vec<&str> = functions.keys().map(String::as_str).collect();
    match name {
        Some(name) => functions
            .get(name)
            .map(|f| (name.to_owned(), f.clone()))
            .with_context(|| {
                format!(
                    "no exported function `{name}` (exported: {})",
                    names.join(", ")
                )
            }),
        None if functions.len() == 1 => {
            let (name, f) = functions.iter().next().context("no functions")?;
            Ok((name.clone(), f.clone()))
        }
        None => bail!(
            "the file exports several functions: choose one with --func ({})",
            names.join(", ")
        ),
    }
}
