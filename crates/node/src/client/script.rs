//! Builds flow scripts the way the Aqua compiler lays them out, so that tools and tests
//! pass every value through `getDataSrv` instead of splicing it into script text.

use std::fmt::Write;

/// Wraps `body` in the argument prelude of an Aqua-compiled flow: reads the relay's peer id
/// from `getDataSrv."-relay-"` into `relay`, then each of `args`, in order, from
/// `getDataSrv.NAME` into a variable `NAME`, then runs `body`.
///
/// Each name goes into the script as written, so it must be an AIR variable name; anything
/// else makes a script that [`Client::execute`](super::Client::execute) refuses with
/// [`ClientError::Script`](super::ClientError::Script).
pub fn with_args<S: AsRef<str>>(args: &[S], body: &str) -> String {
    let mut script =
        String::from("(seq\n (call %init_peer_id% (\"getDataSrv\" \"-relay-\") [] relay)\n ");
    for name in args {
        let name = name.as_ref();
        // Writing to a String cannot fail.
        let _ = write!(
            script,
            "(seq\n (call %init_peer_id% (\"getDataSrv\" \"{name}\") [] {name})\n "
        );
    }
    script.push_str(body);
    script.extend(std::iter::repeat_n(')', args.len() + 1));
    script
}

/// Aqua's join: waits on `peer` until stream `$stream` holds `count` values (a literal or a
/// variable), then freezes the first `count` of them, in the order `peer` learned them, into
/// `#canon`. `$stream_test` and `#stream_iter` are the join's own names.
pub fn join(peer: &str, stream: &str, count: &str, canon: &str) -> String {
    format!(
        "(new ${stream}_test
  (seq
    (fold ${stream} s
      (seq
        (seq (ap s ${stream}_test)
          (canon {peer} ${stream}_test #{stream}_iter))
        (xor (match #{stream}_iter.length {count} (null))
          (next s)))
      (never))
    (canon {peer} ${stream}_test #{canon})))"
    )
}
