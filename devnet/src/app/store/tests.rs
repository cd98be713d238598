use std::ops::Bound;

use super::*;

fn changes(entries: &[(&[u8], Option<&[u8]>)]) -> ChangeSet {
    entries
        .iter()
        .map(|(k, v)| (k.to_vec(), v.map(|v| v.to_vec())))
        .collect()
}

fn commit(store: &mut Store, height: u64, set: ChangeSet) -> Vec<u8> {
    let pending = store.prepare(set).unwrap();
    store.commit(height, pending).unwrap()
}

#[test]
fn commit_persists_state_height_and_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    let hash = {
        let mut store = Store::open(&StoreLocation::File(path.clone())).unwrap();
        assert_eq!(store.last_commit(), &CommitInfo::default());
        commit(
            &mut store,
            1,
            changes(&[(b"\x01a", Some(b"1")), (b"\x01b", Some(b"2"))]),
        )
    };
    // A prepared but never committed block leaves nothing behind.
    {
        let store = Store::open(&StoreLocation::File(path.clone())).unwrap();
        let _pending = store.prepare(changes(&[(b"\x01c", Some(b"3"))])).unwrap();
    }
    let store = Store::open(&StoreLocation::File(path)).unwrap();
    assert_eq!(store.last_commit().height, 1);
    assert_eq!(store.last_commit().app_hash, hash);
    let snapshot = store.snapshot().unwrap();
    assert_eq!(snapshot.get(b"\x01a").unwrap(), Some(b"1".to_vec()));
    assert_eq!(snapshot.get(b"\x01c").unwrap(), None);
}

#[test]
fn app_hash_is_deterministic_and_order_independent() {
    let mut a = Store::open(&StoreLocation::InMemory).unwrap();
    let mut b = Store::open(&StoreLocation::InMemory).unwrap();
    let h1 = commit(
        &mut a,
        1,
        changes(&[(b"\x01a", Some(b"1")), (b"\x01b", Some(b"2"))]),
    );
    let h1b = commit(
        &mut b,
        1,
        changes(&[(b"\x01b", Some(b"2")), (b"\x01a", Some(b"1"))]),
    );
    assert_eq!(h1, h1b);
    // Changing a value changes the hash; an empty block keeps it.
    let h2 = commit(&mut a, 2, changes(&[(b"\x01a", Some(b"9"))]));
    assert_ne!(h1, h2);
    let h3 = commit(&mut a, 3, ChangeSet::new());
    assert_eq!(h2, h3);
    // Deleting back to the same content gives the same root as a fresh tree with that content.
    let h4 = commit(&mut a, 4, changes(&[(b"\x01a", Some(b"1"))]));
    assert_eq!(h4, h1);
    // Local (non-merkleized) keys do not affect the hash.
    let h5 = commit(&mut a, 5, changes(&[(b"\x00blob", Some(b"x"))]));
    assert_eq!(h5, h1);
}

#[test]
fn overlay_layers_and_scans() {
    let mut store = Store::open(&StoreLocation::InMemory).unwrap();
    commit(
        &mut store,
        1,
        changes(&[
            (b"k1", Some(b"a")),
            (b"k2", Some(b"b")),
            (b"k3", Some(b"c")),
        ]),
    );
    let mut overlay = Overlay::new(store.snapshot().unwrap());
    overlay.set(b"k4".to_vec(), b"d".to_vec());
    overlay.push_layer();
    overlay.remove(b"k2".to_vec());
    overlay.set(b"k1".to_vec(), b"A".to_vec());
    assert_eq!(overlay.get(b"k2").unwrap(), None);
    assert_eq!(overlay.get(b"k1").unwrap(), Some(b"A".to_vec()));

    let collect = |overlay: &Overlay, ascending: bool| {
        let mut bounds = KeyBounds::prefix(b"k");
        let mut out = Vec::new();
        while let Some((k, v)) = overlay.first_entry(&bounds, ascending).unwrap() {
            bounds.advance_past(&k, ascending);
            out.push((String::from_utf8(k).unwrap(), String::from_utf8(v).unwrap()));
        }
        out
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        collect(&overlay, true),
        pairs(&[("k1", "A"), ("k3", "c"), ("k4", "d")])
    );
    assert_eq!(
        collect(&overlay, false),
        pairs(&[("k4", "d"), ("k3", "c"), ("k1", "A")])
    );

    overlay.discard_layer();
    assert_eq!(overlay.get(b"k2").unwrap(), Some(b"b".to_vec()));
    overlay.push_layer();
    overlay.remove(b"k3".to_vec());
    overlay.commit_layer();
    assert_eq!(overlay.get(b"k3").unwrap(), None);
    let changes = overlay.into_changes();
    assert_eq!(changes.get(b"k3".as_slice()), Some(&None));
    assert_eq!(changes.get(b"k4".as_slice()), Some(&Some(b"d".to_vec())));
}

#[test]
fn key_bounds_edge_cases() {
    assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
    assert_eq!(prefix_end(b"\xff\xff"), None);
    let empty = KeyBounds {
        start: Bound::Excluded(b"b".to_vec()),
        end: Bound::Excluded(b"b".to_vec()),
    };
    assert!(empty.is_empty());
    let store = Store::open(&StoreLocation::InMemory).unwrap();
    let overlay = Overlay::new(store.snapshot().unwrap());
    assert_eq!(overlay.first_entry(&empty, true).unwrap(), None);
}
