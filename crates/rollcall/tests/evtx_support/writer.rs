//! A small EVTX writer, test support only: it produces the `.evtx` fixtures of
//! `tests/fixtures/evtx/` so the EVTX reader is tested on files written by us.
//!
//! Written from the published format description (libyal's "Windows XML Event Log (EVTX)
//! format", which builds on MS-EVEN6), in the shape Windows itself writes:
//!
//! - a 4096-byte file header (`ElfFile\0`, version 3.1, CRC32 of its first 120 bytes);
//! - 64 KiB chunks (`ElfChnk\0`): a 512-byte header with the record number/ID range, the
//!   offsets of the last record and of the free space, the CRC32 of the records, the
//!   64-bucket common-string table, the 32-bucket template table, and the CRC32 of header bytes
//!   0..120 and 128..512;
//! - records (`**\0\0`, size, EventRecordID, FILETIME, Binary XML, size again);
//! - Binary XML as Windows writes it: a fragment header and one template instance. The first
//!   record of a chunk that uses a template carries its definition (resident); later records
//!   point back at it. Element and attribute names are stored once per chunk, inline where first
//!   used, and referenced by chunk offset afterwards.
//!
//! Everything is deterministic: the same events give the same bytes.

use std::collections::HashMap;
use std::sync::Arc;

pub const FILE_HEADER_SIZE: usize = 4096;
pub const CHUNK_SIZE: usize = 65536;
pub const CHUNK_HEADER_SIZE: usize = 512;
/// Size of a record's header (magic, size, EventRecordID, FILETIME).
pub const RECORD_HEADER_SIZE: usize = 24;

/// Binary XML tokens.
mod token {
    pub const EOF: u8 = 0x00;
    pub const OPEN_START_ELEMENT: u8 = 0x01;
    pub const CLOSE_START_ELEMENT: u8 = 0x02;
    pub const CLOSE_EMPTY_ELEMENT: u8 = 0x03;
    pub const END_ELEMENT: u8 = 0x04;
    pub const VALUE: u8 = 0x05;
    pub const ATTRIBUTE: u8 = 0x06;
    pub const TEMPLATE_INSTANCE: u8 = 0x0c;
    pub const NORMAL_SUBSTITUTION: u8 = 0x0d;
    pub const FRAGMENT_HEADER: u8 = 0x0f;
    /// Set on an element start with attributes; on an attribute that has another after it.
    pub const HAS_MORE: u8 = 0x40;
}

/// Binary XML value types.
pub mod value_type {
    pub const STRING: u8 = 0x01;
    pub const UINT8: u8 = 0x04;
    pub const UINT16: u8 = 0x06;
    pub const UINT32: u8 = 0x08;
    pub const UINT64: u8 = 0x0a;
    pub const GUID: u8 = 0x0f;
    pub const FILETIME: u8 = 0x11;
    pub const SID: u8 = 0x13;
    pub const HEX_INT32: u8 = 0x14;
    pub const HEX_INT64: u8 = 0x15;
}

/// FILETIME of 1970-01-01T00:00:00Z (100 ns intervals since 1601-01-01).
const UNIX_EPOCH_FILETIME: u64 = 116_444_736_000_000_000;

/// The FILETIME of `ms` since the Unix epoch plus `extra_ticks` (100 ns each, < 10,000).
pub fn filetime(ms: i64, extra_ticks: u64) -> u64 {
    assert!(ms >= 0 && extra_ticks < 10_000);
    UNIX_EPOCH_FILETIME + ms as u64 * 10_000 + extra_ticks
}

/// A substitution value of a template instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// UTF-16LE, without a terminating NUL.
    String(String),
    UInt8(u8),
    UInt16(u16),
    UInt32(u32),
    UInt64(u64),
    /// Stored as Windows stores a GUID: the first three groups little-endian.
    Guid(u128),
    FileTime(u64),
    /// `S-1-…`, stored in binary (revision, count, 48-bit big-endian authority, sub-authorities).
    Sid(String),
    HexInt32(u32),
    HexInt64(u64),
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::String(s.to_owned())
    }

    pub fn value_type(&self) -> u8 {
        match self {
            Value::String(_) => value_type::STRING,
            Value::UInt8(_) => value_type::UINT8,
            Value::UInt16(_) => value_type::UINT16,
            Value::UInt32(_) => value_type::UINT32,
            Value::UInt64(_) => value_type::UINT64,
            Value::Guid(_) => value_type::GUID,
            Value::FileTime(_) => value_type::FILETIME,
            Value::Sid(_) => value_type::SID,
            Value::HexInt32(_) => value_type::HEX_INT32,
            Value::HexInt64(_) => value_type::HEX_INT64,
        }
    }

    fn encode(&self) -> Vec<u8> {
        match self {
            Value::String(s) => utf16le(s),
            Value::UInt8(v) => vec![*v],
            Value::UInt16(v) => v.to_le_bytes().to_vec(),
            Value::UInt32(v) | Value::HexInt32(v) => v.to_le_bytes().to_vec(),
            Value::UInt64(v) | Value::HexInt64(v) | Value::FileTime(v) => v.to_le_bytes().to_vec(),
            Value::Guid(g) => guid_bytes(*g).to_vec(),
            Value::Sid(s) => sid_bytes(s),
        }
    }
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A GUID written as `0xAAAAAAAA_BBBB_CCCC_DDDD_EEEEEEEEEEEE` in its on-disk layout.
pub fn guid_bytes(g: u128) -> [u8; 16] {
    let be = g.to_be_bytes();
    let mut out = be;
    out[0..4].copy_from_slice(&u32::from_be_bytes(be[0..4].try_into().unwrap()).to_le_bytes());
    out[4..6].copy_from_slice(&u16::from_be_bytes(be[4..6].try_into().unwrap()).to_le_bytes());
    out[6..8].copy_from_slice(&u16::from_be_bytes(be[6..8].try_into().unwrap()).to_le_bytes());
    out
}

fn sid_bytes(sid: &str) -> Vec<u8> {
    let parts: Vec<u64> = sid
        .strip_prefix("S-")
        .unwrap_or_else(|| panic!("not a SID: {sid}"))
        .split('-')
        .map(|p| p.parse().unwrap_or_else(|_| panic!("not a SID: {sid}")))
        .collect();
    assert!(
        parts.len() >= 2 && parts.len() - 2 <= 15,
        "not a SID: {sid}"
    );
    let mut out = vec![parts[0] as u8, (parts.len() - 2) as u8];
    out.extend_from_slice(&parts[1].to_be_bytes()[2..8]);
    for sub in &parts[2..] {
        out.extend_from_slice(&u32::try_from(*sub).unwrap().to_le_bytes());
    }
    out
}

/// Content of an element or an attribute in a template definition.
#[derive(Clone, Debug)]
pub enum Node {
    Element(Element),
    /// Literal text.
    Text(String),
    /// The instance's value `index`, which must have type `value_type`.
    Substitution {
        index: u16,
        value_type: u8,
    },
}

#[derive(Clone, Debug)]
pub struct Element {
    pub name: String,
    /// Name and value (one text or one substitution, as Windows writes them).
    pub attributes: Vec<(String, Node)>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn new(name: &str) -> Element {
        Element {
            name: name.to_owned(),
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn attr(mut self, name: &str, value: Node) -> Element {
        self.attributes.push((name.to_owned(), value));
        self
    }

    pub fn child(mut self, node: Node) -> Element {
        self.children.push(node);
        self
    }

    pub fn element(self, element: Element) -> Element {
        self.child(Node::Element(element))
    }

    /// `<name>` holding substitution `index` of type `value_type`.
    pub fn sub_element(self, name: &str, index: u16, value_type: u8) -> Element {
        self.element(Element::new(name).child(Node::Substitution { index, value_type }))
    }
}

/// A template definition: an identifying GUID and the element it expands to.
#[derive(Debug)]
pub struct Template {
    pub guid: u128,
    pub root: Element,
}

impl Template {
    /// The template identifier of instances: the GUID's first four bytes.
    fn id(&self) -> u32 {
        u32::from_le_bytes(guid_bytes(self.guid)[0..4].try_into().unwrap())
    }
}

/// One event record.
#[derive(Clone, Debug)]
pub struct Record {
    pub record_id: u64,
    /// Record header time (FILETIME).
    pub written: u64,
    pub template: Arc<Template>,
    pub values: Vec<Value>,
}

/// The 16-bit name hash of the common string table (Windows': `h = h * 65599 + unit`).
fn name_hash(name: &str) -> u16 {
    name.encode_utf16().fold(0u32, |h, unit| {
        h.wrapping_mul(65599).wrapping_add(u32::from(unit))
    }) as u16
}

fn put_u16(buf: &mut [u8], at: usize, v: u16) {
    buf[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(buf: &mut [u8], at: usize, v: u64) {
    buf[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// A chunk being written. `data` grows from the end of the header; offsets are chunk-relative.
struct Chunk {
    data: Vec<u8>,
    names: HashMap<String, u32>,
    string_buckets: [u32; 64],
    templates: HashMap<u128, u32>,
    template_buckets: [u32; 32],
    first_id: Option<u64>,
    last_id: u64,
    last_record_offset: u32,
}

impl Chunk {
    fn new() -> Chunk {
        Chunk {
            data: vec![0; CHUNK_HEADER_SIZE],
            names: HashMap::new(),
            string_buckets: [0; 64],
            templates: HashMap::new(),
            template_buckets: [0; 32],
            first_id: None,
            last_id: 0,
            last_record_offset: 0,
        }
    }

    fn pos(&self) -> u32 {
        self.data.len() as u32
    }

    fn push(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
    }

    /// A 4-byte placeholder, returning where it is.
    fn reserve_u32(&mut self) -> usize {
        let at = self.data.len();
        self.push(&[0; 4]);
        at
    }

    /// Sets the placeholder at `at` to the number of bytes written after it.
    fn patch_size_after(&mut self, at: usize) {
        let size = (self.data.len() - at - 4) as u32;
        put_u32(&mut self.data, at, size);
    }

    /// A name reference: the offset of the name in the chunk, followed by the name itself when
    /// this is its first use in the chunk (which then joins the common string table).
    fn name(&mut self, name: &str) {
        if let Some(&offset) = self.names.get(name) {
            self.push(&offset.to_le_bytes());
            return;
        }
        let offset = self.pos() + 4;
        self.push(&offset.to_le_bytes());
        let hash = name_hash(name);
        let bucket = usize::from(hash) % self.string_buckets.len();
        let next = self.string_buckets[bucket];
        self.push(&next.to_le_bytes());
        self.push(&hash.to_le_bytes());
        self.push(&(name.encode_utf16().count() as u16).to_le_bytes());
        self.push(&utf16le(name));
        self.push(&[0, 0]);
        self.string_buckets[bucket] = offset;
        self.names.insert(name.to_owned(), offset);
    }

    fn content(&mut self, node: &Node) {
        match node {
            Node::Element(e) => self.element(e),
            Node::Text(text) => {
                self.push(&[token::VALUE, value_type::STRING]);
                self.push(&(text.encode_utf16().count() as u16).to_le_bytes());
                self.push(&utf16le(text));
            }
            Node::Substitution { index, value_type } => {
                self.push(&[token::NORMAL_SUBSTITUTION]);
                self.push(&index.to_le_bytes());
                self.push(&[*value_type]);
            }
        }
    }

    /// An element of a template definition (so with a dependency identifier: none, 0xFFFF).
    fn element(&mut self, e: &Element) {
        let has_attributes = !e.attributes.is_empty();
        let start = if has_attributes {
            token::OPEN_START_ELEMENT | token::HAS_MORE
        } else {
            token::OPEN_START_ELEMENT
        };
        self.push(&[start, 0xff, 0xff]);
        let size_at = self.reserve_u32();
        self.name(&e.name);
        if has_attributes {
            let list_at = self.reserve_u32();
            for (i, (name, value)) in e.attributes.iter().enumerate() {
                let more = i + 1 < e.attributes.len();
                self.push(&[if more {
                    token::ATTRIBUTE | token::HAS_MORE
                } else {
                    token::ATTRIBUTE
                }]);
                self.name(name);
                assert!(
                    !matches!(value, Node::Element(_)),
                    "attribute values are text"
                );
                self.content(value);
            }
            self.patch_size_after(list_at);
        }
        if e.children.is_empty() {
            self.push(&[token::CLOSE_EMPTY_ELEMENT]);
        } else {
            self.push(&[token::CLOSE_START_ELEMENT]);
            for child in &e.children {
                self.content(child);
            }
            self.push(&[token::END_ELEMENT]);
        }
        self.patch_size_after(size_at);
    }

    /// Appends `record`; `false` (and the chunk unchanged) when it does not fit.
    fn add(&mut self, record: &Record) -> bool {
        let saved = (
            self.data.len(),
            self.names.clone(),
            self.string_buckets,
            self.templates.clone(),
            self.template_buckets,
        );
        let start = self.data.len();
        self.push(b"**\0\0");
        let size_at = self.reserve_u32();
        self.push(&record.record_id.to_le_bytes());
        self.push(&record.written.to_le_bytes());

        // Binary XML: fragment header, template instance.
        self.push(&[token::FRAGMENT_HEADER, 1, 1, 0]);
        let template = &record.template;
        self.push(&[token::TEMPLATE_INSTANCE, 1]);
        self.push(&template.id().to_le_bytes());
        match self.templates.get(&template.guid) {
            Some(&offset) => self.push(&offset.to_le_bytes()),
            None => {
                // Resident definition: next definition in its bucket, GUID, data size, body.
                let offset = self.pos() + 4;
                self.push(&offset.to_le_bytes());
                let bucket = template.id() as usize % self.template_buckets.len();
                let next = self.template_buckets[bucket];
                self.push(&next.to_le_bytes());
                self.push(&guid_bytes(template.guid));
                let body_at = self.reserve_u32();
                self.push(&[token::FRAGMENT_HEADER, 1, 1, 0]);
                self.element(&template.root);
                self.push(&[token::EOF]);
                self.patch_size_after(body_at);
                self.template_buckets[bucket] = offset;
                self.templates.insert(template.guid, offset);
            }
        }
        // Instance data: value count, descriptors (size, type, 0), values.
        self.push(&(record.values.len() as u32).to_le_bytes());
        let encoded: Vec<Vec<u8>> = record.values.iter().map(Value::encode).collect();
        for (value, bytes) in record.values.iter().zip(&encoded) {
            self.push(&(bytes.len() as u16).to_le_bytes());
            self.push(&[value.value_type(), 0]);
        }
        for bytes in &encoded {
            self.push(bytes);
        }
        let size = (self.data.len() - start + 4) as u32;
        self.push(&size.to_le_bytes());
        put_u32(&mut self.data, size_at, size);

        if self.data.len() > CHUNK_SIZE {
            self.data.truncate(saved.0);
            self.names = saved.1;
            self.string_buckets = saved.2;
            self.templates = saved.3;
            self.template_buckets = saved.4;
            return false;
        }
        self.first_id.get_or_insert(record.record_id);
        self.last_id = record.record_id;
        self.last_record_offset = start as u32;
        true
    }

    /// The chunk's 64 KiB, header and checksums filled in.
    fn finish(mut self) -> Vec<u8> {
        let free_space = self.data.len();
        let records_crc = crc32fast::hash(&self.data[CHUNK_HEADER_SIZE..free_space]);
        let first = self.first_id.expect("a chunk holds at least one record");
        let mut data = std::mem::take(&mut self.data);
        data.resize(CHUNK_SIZE, 0);
        let h = &mut data[..CHUNK_HEADER_SIZE];
        h[0..8].copy_from_slice(b"ElfChnk\0");
        // Record numbers and identifiers: the same sequence in a log that was never cleared.
        put_u64(h, 8, first);
        put_u64(h, 16, self.last_id);
        put_u64(h, 24, first);
        put_u64(h, 32, self.last_id);
        put_u32(h, 40, 128);
        put_u32(h, 44, self.last_record_offset);
        put_u32(h, 48, free_space as u32);
        put_u32(h, 52, records_crc);
        for (i, offset) in self.string_buckets.iter().enumerate() {
            put_u32(h, 128 + 4 * i, *offset);
        }
        for (i, offset) in self.template_buckets.iter().enumerate() {
            put_u32(h, 384 + 4 * i, *offset);
        }
        let mut crc = crc32fast::Hasher::new();
        crc.update(&h[0..120]);
        crc.update(&h[128..512]);
        let header_crc = crc.finalize();
        put_u32(h, 124, header_crc);
        data
    }
}

/// Where a record ended up in the file, for tests that damage it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordPlace {
    pub record_id: u64,
    /// File offset of the record's first byte.
    pub offset: usize,
    pub size: usize,
}

/// Writes `records` (in order, IDs ascending) as a complete, clean `.evtx` file. A new chunk
/// starts when a record does not fit, or after `max_per_chunk` records.
pub fn write_file(records: &[Record], max_per_chunk: usize) -> (Vec<u8>, Vec<RecordPlace>) {
    assert!(!records.is_empty() && max_per_chunk > 0);
    let mut chunks = Vec::new();
    let mut places = Vec::new();
    let mut chunk = Chunk::new();
    let mut in_chunk = 0;
    for record in records {
        if in_chunk == max_per_chunk || !chunk.add(record) {
            chunks.push(std::mem::replace(&mut chunk, Chunk::new()).finish());
            in_chunk = 0;
            assert!(
                chunk.add(record),
                "record {} is too large",
                record.record_id
            );
        }
        let offset =
            FILE_HEADER_SIZE + chunks.len() * CHUNK_SIZE + chunk.last_record_offset as usize;
        places.push(RecordPlace {
            record_id: record.record_id,
            offset,
            size: chunk.data.len() - chunk.last_record_offset as usize,
        });
        in_chunk += 1;
    }
    chunks.push(chunk.finish());

    let mut file = vec![0u8; FILE_HEADER_SIZE];
    let h = &mut file[..128];
    h[0..8].copy_from_slice(b"ElfFile\0");
    put_u64(h, 8, 0); // first chunk number
    put_u64(h, 16, chunks.len() as u64 - 1); // last chunk number
    put_u64(h, 24, records.last().unwrap().record_id + 1); // next record identifier
    put_u32(h, 32, 128); // header size
    put_u16(h, 36, 1); // minor version
    put_u16(h, 38, 3); // major version
    put_u16(h, 40, FILE_HEADER_SIZE as u16); // header block size
    put_u16(h, 42, chunks.len() as u16); // number of chunks
    put_u32(h, 120, 0); // flags: clean, not full
    let crc = crc32fast::hash(&h[0..120]);
    put_u32(h, 124, crc);
    for chunk in chunks {
        file.extend_from_slice(&chunk);
    }
    (file, places)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_and_sids_use_the_windows_layout() {
        assert_eq!(
            guid_bytes(0x54849625_5478_4994_a5ba_3e3b0328c30d),
            [
                0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28,
                0xc3, 0x0d
            ]
        );
        assert_eq!(sid_bytes("S-1-5-18"), [1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]);
    }
}
