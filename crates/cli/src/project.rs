//! Weft projects: `weft init` writes one, `weft build` turns its service into a WebAssembly
//! component, `weft deploy` reads its `weft.toml` and records where the service went.
//!
//! A project is a folder with a `weft.toml`, a WIT folder and the service's source in one of
//! four languages. Building uses the same toolchains as the repository's example services,
//! installed by `scripts/guests.sh` under `$WEFT_GUESTS_CACHE` (default
//! `~/.cache/weft-guests`).

mod build;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

pub use build::build;

/// The project file, `weft.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub project: ProjectSection,
    pub service: ServiceSection,
    #[serde(default)]
    pub deploy: DeploySection,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSection {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSection {
    /// The alias the service gets on each node.
    pub alias: String,
    pub lang: Lang,
    #[serde(default = "default_wit")]
    pub wit: PathBuf,
    #[serde(default = "default_world")]
    pub world: String,
    /// Hosts (`name` or `name:port`) the service may reach over HTTP; each node grants them
    /// only within its operator's `host.http_allow`. Empty: no HTTP.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploySection {
    #[serde(default = "default_replicas")]
    pub replicas: usize,
}

impl Default for DeploySection {
    fn default() -> Self {
        Self {
            replicas: default_replicas(),
        }
    }
}

fn default_wit() -> PathBuf {
    PathBuf::from("wit")
}
fn default_world() -> String {
    "service".to_owned()
}
fn default_replicas() -> usize {
    3
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Rust,
    Python,
    Js,
    C,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::Js => "js",
            Lang::C => "c",
        }
    }
}

/// A project on disk: its folder and its parsed `weft.toml`.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub manifest: Manifest,
}

impl Project {
    /// The project containing `start` (this folder or the nearest parent with a `weft.toml`).
    pub fn find(start: &Path) -> anyhow::Result<Project> {
        let start = start
            .canonicalize()
            .with_context(|| format!("cannot open {}", start.display()))?;
        for dir in start.ancestors() {
            let file = dir.join("weft.toml");
            if file.is_file() {
                return Project::load(dir);
            }
        }
        bail!(
            "no weft.toml in {} or any parent folder: run `weft init NAME` to create a project",
            start.display()
        )
    }

    pub fn load(root: &Path) -> anyhow::Result<Project> {
        let file = root.join("weft.toml");
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let manifest: Manifest = toml::from_str(&text)
            .with_context(|| format!("{} is not a valid project file", file.display()))?;
        check_name(&manifest.project.name)
            .with_context(|| format!("{}: [project] name", file.display()))?;
        if manifest.deploy.replicas == 0 {
            bail!("{}: [deploy] replicas must be at least 1", file.display());
        }
        Ok(Project {
            root: root.to_path_buf(),
            manifest,
        })
    }

    /// Where `weft build` puts the component.
    pub fn component_path(&self) -> PathBuf {
        self.root
            .join("target/weft")
            .join(format!("{}.wasm", self.manifest.project.name))
    }

    /// Where `weft deploy` records the deployment.
    pub fn deployment_path(&self) -> PathBuf {
        self.root.join(".weft/deployment.json")
    }
}

/// Project names become WIT package names, crate names and aliases: lowercase kebab-case.
pub fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !ok {
        bail!(
            "`{name}` is not a valid project name: use lowercase letters, digits and single dashes, \
             starting with a letter (for example `hello-world`), at most 64 characters"
        );
    }
    Ok(())
}

/// `weft init NAME --lang LANG`: writes a new project into `parent/NAME`.
pub fn init(parent: &Path, name: &str, lang: Lang) -> anyhow::Result<PathBuf> {
    check_name(name)?;
    let root = parent.join(name);
    if root.exists() {
        bail!(
            "{} already exists: choose another name or remove it",
            root.display()
        );
    }
    let mut files: Vec<(&str, &str)> = vec![
        ("weft.toml", include_str!("../templates/common/weft.toml")),
        (
            "wit/service.wit",
            include_str!("../templates/common/service.wit"),
        ),
        (
            "flows/hello.aqua",
            include_str!("../templates/common/hello.aqua"),
        ),
    ];
    match lang {
        Lang::Rust => {
            files.push(("Cargo.toml", include_str!("../templates/rust/Cargo.toml")));
            files.push(("src/lib.rs", include_str!("../templates/rust/lib.rs")));
        }
        Lang::Python => files.push(("src/app.py", include_str!("../templates/python/app.py"))),
        Lang::Js => files.push(("src/service.js", include_str!("../templates/js/service.js"))),
        Lang::C => files.push(("src/service.c", include_str!("../templates/c/service.c"))),
    }
    // Write into a temporary sibling and rename, so a failure leaves nothing half-made.
    let staging = parent.join(format!(".{name}.weft-init"));
    let _ = std::fs::remove_dir_all(&staging);
    let result = (|| -> anyhow::Result<()> {
        for (path, template) in &files {
            let file = staging.join(path);
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let text = template
                .replace("{{Name}}", &camel_case(name))
                .replace("{{name}}", name)
                .replace("{{lang}}", lang.as_str());
            std::fs::write(&file, text)?;
        }
        std::fs::write(staging.join(".gitignore"), "/target\n/.weft\n")?;
        std::fs::rename(&staging, &root)?;
        Ok(())
    })();
    if let Err(error) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error.context(format!("cannot create the project in {}", root.display())));
    }
    Ok(root)
}

/// `hello-world` -> `HelloWorld`: the Aqua service name in the flow template.
fn camel_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel() {
        assert_eq!(camel_case("hello-world2"), "HelloWorld2");
        assert_eq!(camel_case("x"), "X");
    }

    #[test]
    fn names() {
        for good in ["a", "hello", "hello-world", "x1"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Hello",
            "1x",
            "a_b",
            "a-",
            "a--b",
            "héllo",
            &"a".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn init_writes_a_loadable_project_for_every_language() {
        let dir = tempfile::tempdir().unwrap();
        for lang in [Lang::Rust, Lang::Python, Lang::Js, Lang::C] {
            let name = format!("p-{}", lang.as_str());
            let root = init(dir.path(), &name, lang).unwrap();
            let project = Project::load(&root).unwrap();
            assert_eq!(project.manifest.service.lang, lang);
            assert_eq!(project.manifest.service.alias, name);
            let wit = std::fs::read_to_string(root.join("wit/service.wit")).unwrap();
            assert!(wit.contains(&format!("package weft-app:{name};")));
            // A second init of the same name refuses and changes nothing.
            assert!(init(dir.path(), &name, lang).is_err());
            assert!(Project::load(&root).is_ok());
        }
    }

    #[test]
    fn find_walks_up_and_explains_when_there_is_no_project() {
        let dir = tempfile::tempdir().unwrap();
        let err = Project::find(dir.path()).unwrap_err();
        assert!(format!("{err:#}").contains("weft init"));
        let root = init(dir.path(), "up", Lang::Js).unwrap();
        std::fs::create_dir_all(root.join("src/deep")).unwrap();
        let found = Project::find(&root.join("src/deep")).unwrap();
        assert_eq!(found.root, root.canonicalize().unwrap());
    }

    #[test]
    fn the_service_asks_for_http_hosts_in_weft_toml() {
        let dir = tempfile::tempdir().unwrap();
        let root = init(dir.path(), "fetcher", Lang::Rust).unwrap();
        assert!(
            Project::load(&root)
                .unwrap()
                .manifest
                .service
                .http
                .is_empty()
        );
        let file = root.join("weft.toml");
        let text = std::fs::read_to_string(&file).unwrap().replace(
            "# http = [\"127.0.0.1:8080\"]",
            "http = [\"127.0.0.1:8080\", \"example.com\"]",
        );
        std::fs::write(&file, text).unwrap();
        let project = Project::load(&root).unwrap();
        assert_eq!(
            project.manifest.service.http,
            ["127.0.0.1:8080", "example.com"]
        );
    }

    #[test]
    fn bad_manifest_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("weft.toml"), "[project]\nname = 3\n").unwrap();
        let err = format!("{:#}", Project::load(dir.path()).unwrap_err());
        assert!(
            err.contains("weft.toml is not a valid project file"),
            "{err}"
        );
    }
}
