//! `weft build`: the project's service into a WebAssembly component, with each language's
//! usual toolchain (the same ones, at the same versions, as the repository's examples).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

use super::{Lang, Project};

/// Builds the project's component and returns its path.
pub fn build(project: &Project) -> anyhow::Result<PathBuf> {
    let out = project.component_path();
    let dir = out.parent().context("component path has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tools = Tools::locate();
    tools.install(project.manifest.service.lang)?;
    let partial = out.with_extension("wasm.part");
    match project.manifest.service.lang {
        Lang::Rust => build_rust(project, &tools, &partial)?,
        Lang::Python => build_python(project, &partial)?,
        Lang::Js => build_js(project, &tools, &partial)?,
        Lang::C => build_c(project, &tools, &partial)?,
    }
    std::fs::rename(&partial, &out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(out)
}

/// Where the guest toolchains live (`scripts/guests.sh` installs them there).
struct Tools {
    cache: PathBuf,
}

impl Tools {
    fn locate() -> Tools {
        let cache = std::env::var_os("WEFT_GUESTS_CACHE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/weft-guests")))
            .unwrap_or_else(|| PathBuf::from(".weft-guests"));
        Tools { cache }
    }

    /// Installs the language's toolchain with the repository's `scripts/guests.sh --tools`
    /// (quick when it is already there).
    fn install(&self, lang: Lang) -> anyhow::Result<()> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/guests.sh");
        if !script.is_file() {
            // A weft binary moved away from its source tree: rely on what is installed.
            return Ok(());
        }
        run(
            Command::new("bash")
                .arg(&script)
                .arg("--tools")
                .arg(lang.as_str())
                .env("WEFT_GUESTS_CACHE", &self.cache),
            "installing the guest toolchain (scripts/guests.sh --tools)",
        )
    }

    fn bin(&self, name: &str) -> PathBuf {
        self.cache.join("bin").join(name)
    }
}

fn build_rust(project: &Project, tools: &Tools, out: &Path) -> anyhow::Result<()> {
    let manifest = project.root.join("Cargo.toml");
    let target = tools.cache.join("target-rust");
    run(
        Command::new("cargo")
            .args(["build", "--quiet", "--release", "--target", "wasm32-wasip2"])
            .arg("--manifest-path")
            .arg(&manifest)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS"),
        "cargo build --target wasm32-wasip2",
    )?;
    let crate_name = project.manifest.project.name.replace('-', "_");
    let built = target.join(format!("wasm32-wasip2/release/{crate_name}.wasm"));
    std::fs::copy(&built, out).with_context(|| format!("cannot copy {}", built.display()))?;
    Ok(())
}

fn build_python(project: &Project, out: &Path) -> anyhow::Result<()> {
    let service = &project.manifest.service;
    run(
        Command::new("componentize-py")
            .arg("--wit-path")
            .arg(project.root.join(&service.wit))
            .args(["--world", &service.world, "componentize", "--python-path"])
            .arg(project.root.join("src"))
            .arg("app")
            .arg("-o")
            .arg(out),
        "componentize-py",
    )
}

fn build_js(project: &Project, tools: &Tools, out: &Path) -> anyhow::Result<()> {
    let service = &project.manifest.service;
    // Without disabling http and fetch-event the component would import wasi:http.
    run(
        Command::new(tools.cache.join("node/node_modules/.bin/componentize-js"))
            .arg("--wit")
            .arg(project.root.join(&service.wit))
            .args(["--world-name", &service.world])
            .args(["--disable", "http", "--disable", "fetch-event", "--out"])
            .arg(out)
            .arg(project.root.join("src/service.js")),
        "componentize-js",
    )
}

fn build_c(project: &Project, tools: &Tools, out: &Path) -> anyhow::Result<()> {
    let service = &project.manifest.service;
    let work = project.root.join("target/weft/c");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    run(
        Command::new(tools.bin("wit-bindgen"))
            .arg("c")
            .arg(project.root.join(&service.wit))
            .args(["--world", &service.world, "--out-dir"])
            .arg(&work),
        "wit-bindgen c",
    )?;
    let world = service.world.replace('-', "_");
    let core = work.join("core.wasm");
    run(
        Command::new("clang")
            .args([
                "--target=wasm32-wasi",
                "-mexec-model=reactor",
                "-O2",
                "-Wall",
            ])
            .arg("-I")
            .arg(&work)
            .arg("-o")
            .arg(&core)
            .arg(project.root.join("src/service.c"))
            .arg(work.join(format!("{world}.c")))
            .arg(work.join(format!("{world}_component_type.o"))),
        "clang --target=wasm32-wasi",
    )?;
    run(
        Command::new(tools.bin("wasm-tools"))
            .args(["component", "new"])
            .arg(&core)
            .arg("-o")
            .arg(out),
        "wasm-tools component new",
    )
}

/// Runs a build step; on failure the error carries the step's own output.
fn run(command: &mut Command, step: &str) -> anyhow::Result<()> {
    let output = command.output().with_context(|| {
        format!("cannot start {step}: is the toolchain installed? (scripts/guests.sh installs it)")
    })?;
    if !output.status.success() {
        let mut log = String::from_utf8_lossy(&output.stderr).into_owned();
        log.push_str(&String::from_utf8_lossy(&output.stdout));
        bail!(
            "{step} failed ({}):\n{}",
            output.status,
            crate::last_lines(&log, 40)
        );
    }
    Ok(())
}
