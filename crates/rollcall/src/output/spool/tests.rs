use std::io::Write;

use super::*;

const MB: u64 = 1024 * 1024;

fn payload(i: usize) -> Vec<u8> {
    format!("offense {i:05} {}", "x".repeat(100 + i % 300)).into_bytes()
}

/// Every payload from the delivery position on, in order.
fn read_all(spool: &Spool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cursor = spool.acked();
    loop {
        let (next, n) = spool
            .read(cursor, 4096, |p| out.push(p.to_vec()))
            .expect("read");
        if n == 0 {
            return out;
        }
        assert!(next > cursor);
        cursor = next;
    }
}

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    files.sort();
    files
}

#[test]
fn appends_read_back_in_order_and_acks_delete_segments() {
    let dir = tempfile::tempdir().unwrap();
    let (spool, recovery) = Spool::open(dir.path(), 64 * 1024).unwrap();
    assert_eq!(recovery.records, 0);
    for i in 0..100 {
        assert_eq!(spool.append(&payload(i), 1000 + i as i64).unwrap(), 0);
    }
    let stats = spool.stats();
    assert_eq!(stats.records, 100);
    assert_eq!(stats.oldest_ms, Some(1000));
    assert!(segment_files(dir.path()).len() > 1, "small segments rotate");
    let all = read_all(&spool);
    assert_eq!(all, (0..100).map(payload).collect::<Vec<_>>());

    // Deliver the first 30 in three batches.
    let mut cursor = spool.acked();
    for _ in 0..3 {
        let mut seen = 0;
        let (next, n) = spool.read(cursor, 1, |_| seen += 1).unwrap();
        assert_eq!((n, seen), (1, 1), "a tiny budget still yields one record");
        cursor = next;
        assert_eq!(spool.ack(cursor).unwrap(), 1);
    }
    let (next, n) = spool.read(cursor, 10_000, |_| {}).unwrap();
    let (upto, m) = spool.read(next, 2_000, |_| {}).unwrap();
    assert_eq!(spool.ack(upto).unwrap(), n + m);
    assert_eq!(spool.ack(cursor).unwrap(), 0, "acking backwards is a no-op");
    let delivered = 3 + n + m;
    assert_eq!(spool.stats().records, 100 - delivered);
    assert_eq!(spool.stats().oldest_ms, Some(1000 + delivered as i64));
    assert_eq!(read_all(&spool)[0], payload(delivered as usize));

    // Everything delivered: only the active segment is left.
    let (end, _) = spool.read(upto, usize::MAX, |_| {}).unwrap();
    spool.ack(end).unwrap();
    assert_eq!(spool.stats().records, 0);
    assert_eq!(spool.stats().oldest_ms, None);
    assert_eq!(segment_files(dir.path()).len(), 1);
}

#[test]
fn reopening_resumes_at_the_ack() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (spool, _) = Spool::open(dir.path(), MB).unwrap();
        for i in 0..50 {
            spool.append(&payload(i), i as i64).unwrap();
        }
        let mut cursor = spool.acked();
        for _ in 0..20 {
            cursor = spool.read(cursor, 0, |_| {}).unwrap().0;
        }
        assert_eq!(spool.ack(cursor).unwrap(), 20);
    } // dropped without any shutdown: what is on disk is all there is
    let (spool, recovery) = Spool::open(dir.path(), MB).unwrap();
    assert_eq!(recovery.records, 30);
    assert_eq!(recovery.discarded_bytes, 0);
    assert_eq!(read_all(&spool), (20..50).map(payload).collect::<Vec<_>>());
    assert_eq!(spool.stats().oldest_ms, Some(20));
    spool.append(b"after restart", 99).unwrap();
    assert_eq!(read_all(&spool).last().unwrap(), b"after restart");
}

#[test]
fn a_torn_tail_is_cut_off_and_appending_continues() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (spool, _) = Spool::open(dir.path(), MB).unwrap();
        for i in 0..3 {
            spool.append(&payload(i), 0).unwrap();
        }
    }
    let file = segment_files(dir.path()).pop().unwrap();
    let good_len = fs::metadata(&file).unwrap().len();
    // Half a record, as a crash in the middle of `write` leaves it.
    let mut torn = Vec::new();
    record::encode_record(7, b"never completed", &mut torn);
    let mut f = OpenOptions::new().append(true).open(&file).unwrap();
    f.write_all(&torn[..torn.len() - 4]).unwrap();
    drop(f);

    let (spool, recovery) = Spool::open(dir.path(), MB).unwrap();
    assert_eq!(recovery.records, 3);
    assert_eq!(recovery.discarded_bytes, torn.len() as u64 - 4);
    assert_eq!(fs::metadata(&file).unwrap().len(), good_len);
    spool.append(b"next", 1).unwrap();
    let mut expected: Vec<Vec<u8>> = (0..3).map(payload).collect();
    expected.push(b"next".to_vec());
    assert_eq!(read_all(&spool), expected);
}

#[test]
fn a_segment_created_but_never_written_is_repaired() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (spool, _) = Spool::open(dir.path(), MB).unwrap();
        spool.append(b"kept", 0).unwrap();
    }
    fs::write(segment_path(dir.path(), 99), b"RCSP").unwrap();
    let (spool, recovery) = Spool::open(dir.path(), MB).unwrap();
    assert_eq!(recovery.records, 1);
    spool.append(b"new", 1).unwrap();
    assert_eq!(read_all(&spool), vec![b"kept".to_vec(), b"new".to_vec()]);
}

#[test]
fn full_spool_drops_the_oldest_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let max = 64 * 1024;
    let (spool, _) = Spool::open(dir.path(), max).unwrap();
    let n = 400;
    let mut dropped = 0;
    for i in 0..n {
        dropped += spool.append(&payload(i), i as i64).unwrap();
        let on_disk: u64 = segment_files(dir.path())
            .iter()
            .map(|f| fs::metadata(f).unwrap().len())
            .sum();
        assert!(on_disk <= max, "{on_disk} bytes on disk after {i}");
        assert_eq!(spool.stats().bytes, on_disk);
    }
    assert!(dropped > 0);
    let stats = spool.stats();
    assert_eq!(stats.dropped, dropped);
    assert_eq!(stats.records + dropped, n as u64);
    // What is left is the newest, without a gap.
    let left = read_all(&spool);
    let first = n - left.len();
    assert_eq!(left, (first..n).map(payload).collect::<Vec<_>>());
    assert_eq!(stats.oldest_ms, Some(first as i64));
}

#[test]
fn a_reader_behind_dropped_records_skips_to_the_oldest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (spool, _) = Spool::open(dir.path(), 64 * 1024).unwrap();
    let start = spool.acked();
    for i in 0..400 {
        spool.append(&payload(i), 0).unwrap();
    }
    let mut first = None;
    let (_, n) = spool.read(start, 0, |p| first = Some(p.to_vec())).unwrap();
    assert_eq!(n, 1);
    assert_eq!(first, read_all(&spool).first().cloned());
    assert_ne!(first, Some(payload(0)));
}

#[test]
fn an_ack_whose_segments_were_not_yet_deleted_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let stale_copy;
    {
        let (spool, _) = Spool::open(dir.path(), 64 * 1024).unwrap();
        for i in 0..100 {
            spool.append(&payload(i), 0).unwrap();
        }
        let first_segment = segment_files(dir.path())[0].clone();
        stale_copy = (first_segment.clone(), fs::read(&first_segment).unwrap());
        let mut cursor = spool.acked();
        for _ in 0..60 {
            cursor = spool.read(cursor, 0, |_| {}).unwrap().0;
        }
        spool.ack(cursor).unwrap();
        assert!(!first_segment.exists());
    }
    // A crash between writing the ack and unlinking: the delivered segment is still there.
    fs::write(&stale_copy.0, &stale_copy.1).unwrap();
    let (spool, recovery) = Spool::open(dir.path(), 64 * 1024).unwrap();
    assert_eq!(recovery.records, 40);
    assert!(!stale_copy.0.exists());
    assert_eq!(read_all(&spool), (60..100).map(payload).collect::<Vec<_>>());
}

#[test]
fn an_ack_inside_a_record_resends_that_record() {
    let seg = Segment {
        seq: 4,
        len: SEGMENT_HEADER_LEN + 60,
        records: 3,
    };
    let starts = [0, 20, 40];
    let at = |offset| Cursor {
        segment: 4,
        offset,
        index: 99,
    };
    let snapped = |offset| {
        let c = snap_to_boundary(at(offset), &seg, &starts);
        (c.offset - SEGMENT_HEADER_LEN, c.index)
    };
    assert_eq!(snapped(16), (0, 0));
    assert_eq!(snapped(16 + 20), (20, 1));
    assert_eq!(snapped(16 + 25), (20, 1));
    assert_eq!(snapped(16 + 60), (60, 3));
    assert_eq!(snapped(16 + 500), (60, 3));
}

#[test]
fn foreign_or_newer_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(segment_path(dir.path(), 1), b"this is not a spool segment").unwrap();
    assert!(matches!(
        Spool::open(dir.path(), MB),
        Err(SpoolError::NotASegment { .. })
    ));
    let mut newer = segment_header().to_vec();
    newer[8] = 9;
    fs::write(segment_path(dir.path(), 1), newer).unwrap();
    assert!(matches!(
        Spool::open(dir.path(), MB),
        Err(SpoolError::NewerVersion { version: 9, .. })
    ));
}

#[test]
fn a_record_larger_than_the_spool_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (spool, _) = Spool::open(dir.path(), 4096).unwrap();
    assert!(matches!(
        spool.append(&[b'x'; 5000], 0),
        Err(SpoolError::TooLarge { .. })
    ));
    spool.append(b"small", 0).unwrap();
    assert_eq!(spool.stats().records, 1);
}
