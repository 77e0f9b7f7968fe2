use super::*;
use crate::IoError;
use std::io::Cursor;

fn write_records(records: &[&[u8]], compression: Compression) -> Vec<u8> {
    let mut w = TfRecordWriter::new(Vec::new(), compression, "mem");
    for r in records {
        w.write(r).unwrap();
    }
    w.finish().unwrap()
}

fn read_all(bytes: Vec<u8>, compression: Compression) -> crate::Result<Vec<Vec<u8>>> {
    TfRecordReader::from_reader(Cursor::new(bytes), compression, "mem.tfrecord")
        .into_iter()
        .collect()
}

fn corrupt_offset(err: IoError) -> (String, u64, String) {
    match err {
        IoError::Corrupt { file, offset, msg } => (file, offset, msg),
        other => panic!("expected a corrupt-data error, got {other}"),
    }
}

#[test]
fn abc_record_matches_tensorflow_bytes() {
    let bytes = write_records(&[b"abc"], Compression::None);
    assert_eq!(
        bytes,
        [
            3, 0, 0, 0, 0, 0, 0, 0, 0xb0, 0x99, 0x49, 0x0e, b'a', b'b', b'c', 0x6e, 0x57, 0xf1,
            0x21
        ]
    );
    let empty = write_records(&[b""], Compression::None);
    assert_eq!(
        empty,
        [0, 0, 0, 0, 0, 0, 0, 0, 0x29, 0x03, 0x98, 0x07, 0xd8, 0xea, 0x82, 0xa2]
    );
}

#[test]
fn gzip_and_zlib_headers_match_tensorflow() {
    let gz = write_records(&[b"abc"], Compression::Gzip);
    assert_eq!(gz[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    let zlib = write_records(&[b"abc"], Compression::Zlib);
    assert_eq!(zlib[..2], [0x78, 0x9c]);
}

#[test]
fn round_trips_every_compression() {
    let big = vec![7u8; 3 << 20];
    let records: [&[u8]; 4] = [b"abc", b"", &big, b"last"];
    for c in [Compression::None, Compression::Gzip, Compression::Zlib] {
        let got = read_all(write_records(&records, c), c).unwrap();
        assert_eq!(got, records.map(<[u8]>::to_vec), "{c:?}");
    }
}

#[test]
fn reads_tensorflow_gzip_bytes_and_concatenated_members() {
    // The GZIP file TF writes for the single record "abc" (FORMATS.md 1.3).
    let mut tf_gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    tf_gz.extend([
        0x63, 0x66, 0x80, 0x80, 0x0d, 0x33, 0x3d, 0xf9, 0x12, 0x93, 0x92, 0xf3, 0xc2, 0x3f, 0x2a,
        0x02, 0x00, 0x32, 0xa9, 0x7b, 0x39, 0x13, 0, 0, 0,
    ]);
    let twice = [tf_gz.clone(), tf_gz].concat();
    let got = read_all(twice, Compression::Gzip).unwrap();
    assert_eq!(got, vec![b"abc".to_vec(), b"abc".to_vec()]);
}

#[test]
fn empty_stream_has_no_records() {
    assert!(read_all(Vec::new(), Compression::None).unwrap().is_empty());
    let gz = write_records(&[], Compression::Gzip);
    assert!(read_all(gz, Compression::Gzip).unwrap().is_empty());
}

#[test]
fn a_flipped_bit_anywhere_is_detected_with_file_and_offset() {
    let first = write_records(&[b"first"], Compression::None);
    let base = [first.clone(), write_records(&[b"abc"], Compression::None)].concat();
    let start = first.len();
    // (byte flipped, offset TF reports): length, length CRC, data, data CRC.
    let cases = [
        (start, start as u64),
        (start + 9, start as u64),
        (start + 13, start as u64 + 12),
        (start + 17, start as u64 + 12),
    ];
    for (byte, want_offset) in cases {
        let mut bytes = base.clone();
        bytes[byte] ^= 0x10;
        let err = read_all(bytes, Compression::None).unwrap_err();
        let (file, offset, msg) = corrupt_offset(err);
        assert_eq!(
            (file.as_str(), offset),
            ("mem.tfrecord", want_offset),
            "{msg}"
        );
        assert!(msg.contains("corrupted record"), "{msg}");
    }
}

#[test]
fn truncated_records_are_errors_at_the_record_start() {
    let full = write_records(&[b"first", b"second"], Compression::None);
    let second = 16 + 5;
    for cut in [second + 3, second + 12, second + 14, full.len() - 1] {
        let err = read_all(full[..cut].to_vec(), Compression::None).unwrap_err();
        let (_, offset, msg) = corrupt_offset(err);
        assert_eq!(offset, second as u64, "cut at {cut}");
        assert_eq!(msg, "truncated record");
    }
    // A truncated compressed stream fails too (as corruption or an OS error).
    let gz = write_records(&[b"first", b"second"], Compression::Gzip);
    assert!(read_all(gz[..gz.len() - 12].to_vec(), Compression::Gzip).is_err());
}

#[test]
fn a_huge_declared_length_does_not_allocate_it() {
    let mut bytes = (u64::MAX / 2).to_le_bytes().to_vec();
    bytes.extend(crate::crc::masked_crc32c(&bytes).to_le_bytes());
    bytes.extend(b"short");
    let (_, offset, msg) = corrupt_offset(read_all(bytes, Compression::None).unwrap_err());
    assert_eq!((offset, msg.as_str()), (0, "truncated record"));
}

#[test]
fn skip_corrupt_drops_bad_records_and_resyncs_after_a_bad_header() {
    let recs: [&[u8]; 4] = [b"one", b"two", b"three", b"four"];
    let mut bytes = write_records(&recs, Compression::None);
    bytes[16 + 3 + 12] ^= 1; // data of "two"
    let third = 2 * 16 + 3 + 3;
    bytes[third + 2] ^= 1; // length of "three"
    let mut reader = TfRecordReader::from_reader(Cursor::new(bytes), Compression::None, "mem")
        .skip_corrupt(true);
    let mut got = Vec::new();
    while let Some(r) = reader.read_next().unwrap() {
        got.push(r.to_vec());
    }
    assert_eq!(got, vec![b"one".to_vec(), b"four".to_vec()]);
    assert_eq!(reader.corrupt_records_skipped(), 2);
}

#[test]
fn compression_names_follow_tensorflow() {
    for (name, want) in [
        ("", Compression::None),
        ("NONE", Compression::None),
        ("GZIP", Compression::Gzip),
        ("ZLIB", Compression::Zlib),
    ] {
        assert_eq!(Compression::from_name(name).unwrap(), want);
    }
    assert!(Compression::from_name("gzip").is_err());
}
