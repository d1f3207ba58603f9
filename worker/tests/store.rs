//! Unit tests of `store` through its public API.

use regcred_worker::store::*;
use serde_json::Value;
#[test]
fn lists_in_pages_with_a_cursor() {
    let s = MemoryStore::default();
    pollster::block_on(async {
        for i in 0..5 {
            s.put(&format!("a:{i}"), "v", &Value::Null).await.unwrap();
        }
        s.put("b:0", "v", &Value::Null).await.unwrap();
        let p1 = s.list("a:", None, 2).await.unwrap();
        assert_eq!(p1.keys.len(), 2);
        let p2 = s.list("a:", p1.cursor.as_deref(), 2).await.unwrap();
        let p3 = s.list("a:", p2.cursor.as_deref(), 2).await.unwrap();
        assert_eq!(
            p3.keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
            ["a:4"]
        );
        assert_eq!(p3.cursor, None);
        assert_eq!(s.calls().list, 3);
    });
}
