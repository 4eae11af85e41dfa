use weft_air::*;

#[test]
fn smoke() {
    let src = r#"
; comment
(xor
 (seq
  (seq
   (call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-)
   (new $s
    (seq
     (fold xs.$.items! i
      (seq
       (ap i.$.[0] $s)
       (next i)
      )
      (null)
     )
     (canon -relay- $s #c)
    )
   )
  )
  (par (call -relay- ("op" "noop") [#c.length -1 1.5 true [] "x" :error:.$.message %last_error% %ttl% %timestamp% #c.$.[0]]) (never))
 )
 (seq (ap ("k" 1) %m) (seq (canon %init_peer_id% %m #%cm) (fold #%cm.$.k kv (mismatch kv 3.0 (fail 1 "bad"))))))
"#;
    let src = src.replace("(call %init_peer_id% (\"getDataSrv\" \"-relay-\") [] -relay-)", "(seq (call %init_peer_id% (\"getDataSrv\" \"-relay-\") [] -relay-) (call %init_peer_id% (\"getDataSrv\" \"xs\") [] xs))");
    let script = match parse(&src) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let printed = print(&script);
    println!("{printed}");
    let again = parse(&printed).unwrap();
    assert!(again.same_shape(&script));
    println!("{}", parse("(seq (null)\n  (foo))").unwrap_err());
    println!("{}", parse("(seq (null)\n  (null)").unwrap_err());
    println!("{}", parse("(call p (s f) [] #c)").unwrap_err());
    println!("{}", parse("(call p (\"s\" \"f\") [] x)").unwrap_err());
}
