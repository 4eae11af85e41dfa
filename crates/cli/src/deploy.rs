//! `weft deploy`: upload the project's component to N distinct nodes, create the service on
//! each with the project's alias, and record where it went in `.weft/deployment.json`.
//!
//! All or nothing: when one replica fails, the services already created by this deploy are
//! removed again, so a failed deploy leaves no orphan services. A successful redeploy removes
//! the services of the previous deployment after the new ones are up.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use weft_node::client::script;

use crate::project::Project;
use crate::session::Session;
use crate::state_file;

/// One deployment of a project: the component and the service on each replica.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    pub alias: String,
    /// blake3 hash of the component, as the nodes name it.
    pub module: String,
    pub replicas: Vec<Replica>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Replica {
    pub peer_id: String,
    pub service_id: String,
}

/// Uploads the module, creates the service, aliases it; removes it again if aliasing fails.
/// Data: `target`, `module`, `alias`.
const DEPLOY_ONE: &str = r#"
(xor
 (seq
  (seq
   (call relay ("op" "noop") [])
   (seq
    (call target ("dist" "add_module") [module] hash)
    (seq
     (call target ("srv" "create") [hash] id)
     (xor
      (call target ("srv" "add_alias") [alias id])
      (seq
       (call target ("srv" "remove") [id])
       (fail :error:))))))
  (seq
   (call relay ("op" "noop") [])
   (call %init_peer_id% ("callbackSrv" "response") [hash id])))
 (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))
"#;

/// Removes one service. Data: `target`, `id`.
const REMOVE_ONE: &str = r#"
(xor
 (seq
  (seq
   (call relay ("op" "noop") [])
   (call target ("srv" "remove") [id]))
  (seq
   (call relay ("op" "noop") [])
   (call %init_peer_id% ("callbackSrv" "response") [true])))
 (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))
"#;

/// Deploys to `targets` (peer ids); progress on stderr unless `quiet`.
pub fn deploy(
    session: &Session,
    project: &Project,
    component: &Path,
    targets: &[String],
    quiet: bool,
) -> anyhow::Result<Deployment> {
    let bytes = std::fs::read(component).with_context(|| {
        format!(
            "cannot read {}: run `weft build` first",
            component.display()
        )
    })?;
    let module = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let alias = project.manifest.service.alias.clone();
    let mut deployment = Deployment {
        alias: alias.clone(),
        module: String::new(),
        replicas: Vec::new(),
    };
    let script = script::with_args(&["target", "module", "alias"], DEPLOY_ONE);
    for target in targets {
        let args = BTreeMap::from([
            ("target".to_owned(), json!(target)),
            ("module".to_owned(), json!(module)),
            ("alias".to_owned(), json!(alias)),
        ]);
        let result = session
            .execute(&script, args)
            .and_then(|values| match values.as_slice() {
                [Value::String(hash), Value::String(id)] => Ok((hash.clone(), id.clone())),
                other => bail!("unexpected deploy response {other:?}"),
            });
        match result {
            Ok((hash, id)) => {
                if !quiet {
                    eprintln!("  {target}  service {id}");
                }
                deployment.module = hash;
                deployment.replicas.push(Replica {
                    peer_id: target.clone(),
                    service_id: id,
                });
            }
            Err(error) => {
                let removed = remove(session, &deployment.replicas);
                let note = if deployment.replicas.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (removed the {} replicas already created{})",
                        deployment.replicas.len(),
                        match removed {
                            Ok(()) => String::new(),
                            Err(e) => format!("; removing failed: {e:#}"),
                        }
                    )
                };
                return Err(error.context(format!("deploying to {target} failed{note}")));
            }
        }
    }
    Ok(deployment)
}

/// Removes the given services (the developer's key owns them).
pub fn remove(session: &Session, replicas: &[Replica]) -> anyhow::Result<()> {
    let script = script::with_args(&["target", "id"], REMOVE_ONE);
    let mut failures = Vec::new();
    for replica in replicas {
        let args = BTreeMap::from([
            ("target".to_owned(), json!(replica.peer_id)),
            ("id".to_owned(), json!(replica.service_id)),
        ]);
        if let Err(e) = session.execute(&script, args) {
            failures.push(format!("{}: {e:#}", replica.peer_id));
        }
    }
    if !failures.is_empty() {
        bail!("{}", failures.join("; "));
    }
    Ok(())
}

pub fn load(project: &Project) -> anyhow::Result<Option<Deployment>> {
    state_file::read(&project.deployment_path(), "deploy again to rewrite it")
}

pub fn save(project: &Project, deployment: &Deployment) -> anyhow::Result<()> {
    state_file::write(&project.deployment_path(), deployment)
}
