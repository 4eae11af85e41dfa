//! `weft deploy`: upload the project's component to N distinct nodes, create the service on
//! each with the project's alias, and record where it went in `.weft/deployment.json`.
//!
//! All or nothing: when one replica fails, the services already created by this deploy are
//! removed again, so a failed deploy leaves no orphan services. A successful redeploy removes
//! the services of the previous deployment after the new ones are up.
//!
//! The service gets the HTTP hosts of weft.toml's `[service] http` and `--http-allow` (as
//! `srv.create`'s options); none when both are empty.

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

/// Adds the uploaded module, creates the service, aliases it; removes it again if aliasing
/// fails. Data: `target`, `hash` (of a complete chunked upload), `alias`, `options` (of
/// `srv.create`).
const DEPLOY_ONE: &str = r#"
(xor
 (seq
  (seq
   (call relay ("op" "noop") [])
   (seq
    (call target ("dist" "commit") [hash] module)
    (seq
     (call target ("srv" "create") [module options] id)
     (xor
      (call target ("srv" "add_alias") [alias id])
      (seq
       (call target ("srv" "remove") [id])
       (fail :error:))))))
  (seq
   (call relay ("op" "noop") [])
   (call %init_peer_id% ("callbackSrv" "response") [module id])))
 (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))
"#;

/// Sends one piece of the component. Data: `target`, `hash`, `total`, `offset`, `chunk`.
/// Response: how many bytes of it the node has.
const ADD_CHUNK: &str = r#"
(xor
 (seq
  (seq
   (call relay ("op" "noop") [])
   (call target ("dist" "add_chunk") [hash total offset chunk] received))
  (seq
   (call relay ("op" "noop") [])
   (call %init_peer_id% ("callbackSrv" "response") [received])))
 (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))
"#;

/// The largest piece `dist.add_chunk` takes: a component goes to a node in pieces because
/// one call argument is at most 16 MiB, less than an interpreted-language component.
const CHUNK_BYTES: usize = 4 << 20;

/// How long a node may take to compile the component and create the service.
const COMPILE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(150);

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

/// Deploys to `targets` (peer ids), granting the project's HTTP hosts and `http_allow`;
/// progress on stderr unless `quiet`.
pub fn deploy(
    session: &Session,
    project: &Project,
    component: &Path,
    targets: &[String],
    http_allow: &[String],
    quiet: bool,
) -> anyhow::Result<Deployment> {
    let bytes = std::fs::read(component).with_context(|| {
        format!(
            "cannot read {}: run `weft build` first",
            component.display()
        )
    })?;
    let hash = blake3::hash(&bytes).to_hex().to_string();
    let alias = project.manifest.service.alias.clone();
    let mut deployment = Deployment {
        alias: alias.clone(),
        module: String::new(),
        replicas: Vec::new(),
    };
    let mut http = project.manifest.service.http.clone();
    for host in http_allow {
        if !http.contains(host) {
            http.push(host.clone());
        }
    }
    let options = json!({ "http": http });
    let script = script::with_args(&["target", "hash", "alias", "options"], DEPLOY_ONE);
    for target in targets {
        let args = BTreeMap::from([
            ("target".to_owned(), json!(target)),
            ("hash".to_owned(), json!(hash)),
            ("alias".to_owned(), json!(alias)),
            ("options".to_owned(), options.clone()),
        ]);
        let result = upload(session, target, &hash, &bytes, quiet)
            .and_then(|()| session.execute_within(&script, args, COMPILE_TIMEOUT))
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

/// Sends the component to `target` in pieces; a node that has it already says so at once.
pub(crate) fn upload(
    session: &Session,
    target: &str,
    hash: &str,
    bytes: &[u8],
    quiet: bool,
) -> anyhow::Result<()> {
    let script = script::with_args(&["target", "hash", "total", "offset", "chunk"], ADD_CHUNK);
    let total = bytes.len();
    let mut offset = 0;
    for chunk in bytes.chunks(CHUNK_BYTES) {
        if !quiet && total > CHUNK_BYTES {
            eprintln!(
                "  {target}  uploading {} of {} KiB",
                (offset + chunk.len()) / 1024,
                total / 1024
            );
        }
        let args = BTreeMap::from([
            ("target".to_owned(), json!(target)),
            ("hash".to_owned(), json!(hash)),
            ("total".to_owned(), json!(total)),
            ("offset".to_owned(), json!(offset)),
            (
                "chunk".to_owned(),
                json!(base64::engine::general_purpose::STANDARD.encode(chunk)),
            ),
        ]);
        let received = session
            .execute(&script, args)
            .context("uploading the component failed")?;
        match received.as_slice() {
            [Value::Number(n)] if n.as_u64() == Some(total as u64) => return Ok(()),
            [Value::Number(n)] if n.as_u64() == Some((offset + chunk.len()) as u64) => {}
            other => bail!("unexpected upload response {other:?}"),
        }
        offset += chunk.len();
    }
    bail!("the node did not take the whole component")
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
