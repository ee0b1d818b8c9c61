//! The on-disk index: the tantivy schema and the documents built from a [`Dataset`], plus
//! `motcua-search.json` beside the tantivy files with what the ranking, filters, facets, code
//! lookup and synonym expansion need at query time without touching the document store.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle, WritePtr,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

use super::SearchError;
use super::analyzer::{self, Mode, ViTokenizer};
use crate::domain::{Dataset, Guide, Hotline, Level, Procedure, ProcedureKind, Synonym, text};

/// Name of the side file in the index directory.
pub(crate) const META_FILE: &str = "motcua-search.json";
/// Bumped when the schema or the side file changes meaning; `open` refuses other versions.
pub(crate) const FORMAT: u32 = 3;
/// Indexing memory budget (bytes), shared by the writer's threads: when it is full, tantivy
/// writes a segment to disk. Bounded so a bundle of any size is indexed in the same memory.
const WRITER_BUDGET: usize = 40_000_000;
/// Indexing threads (each gets a share of the budget): two, beside the thread reading the
/// bundle and writing the store, on the kiosk's two cores.
const WRITER_THREADS: usize = 2;

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocKind {
    Procedure = 0,
    Hotline = 1,
    Guide = 2,
}

impl DocKind {
    pub fn from_u64(v: u64) -> Option<DocKind> {
        match v {
            0 => Some(DocKind::Procedure),
            1 => Some(DocKind::Hotline),
            2 => Some(DocKind::Guide),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub kind: Field,
    pub ord: Field,
    /// Folded words, with positions (phrases), stored: the title.
    pub name: Field,
    pub name_tone: Field,
    pub name_edge: Field,
    pub name_bigram: Field,
    pub name_tone_bigram: Field,
    /// Fields (lĩnh vực), keywords, service groups.
    pub kw: Field,
    pub kw_edge: Field,
    /// Everything else a citizen might recognise: results, dossier, conditions, steps, legal
    /// basis, agencies. Stored for excerpts.
    pub body: Field,
}

fn text_opts(tokenizer: &str, record: IndexRecordOption, stored: bool) -> TextOptions {
    let o = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record),
    );
    if stored { o.set_stored() } else { o }
}

pub(crate) fn schema() -> (Schema, Fields) {
    use IndexRecordOption::{WithFreqs, WithFreqsAndPositions};
    let mut b = Schema::builder();
    let fields = Fields {
        kind: b.add_u64_field("kind", INDEXED | FAST),
        ord: b.add_u64_field("ord", FAST),
        name: b.add_text_field(
            "name",
            text_opts(analyzer::FOLD, WithFreqsAndPositions, true),
        ),
        name_tone: b.add_text_field("name_tone", text_opts(analyzer::TONE, WithFreqs, false)),
        name_edge: b.add_text_field("name_edge", text_opts(analyzer::EDGE, WithFreqs, false)),
        name_bigram: b.add_text_field("name_bigram", text_opts(analyzer::BIGRAM, WithFreqs, false)),
        name_tone_bigram: b.add_text_field(
            "name_tone_bigram",
            text_opts(analyzer::TONE_BIGRAM, WithFreqs, false),
        ),
        kw: b.add_text_field("kw", text_opts(analyzer::FOLD, WithFreqs, false)),
        kw_edge: b.add_text_field("kw_edge", text_opts(analyzer::EDGE, WithFreqs, false)),
        body: b.add_text_field("body", text_opts(analyzer::FOLD, WithFreqs, true)),
    };
    let _ = STORED;
    (b.build(), fields)
}

fn register_tokenizers(index: &Index) {
    let m = index.tokenizers();
    m.register(analyzer::FOLD, ViTokenizer::new(Mode::Fold));
    m.register(analyzer::TONE, ViTokenizer::new(Mode::Tone));
    m.register(analyzer::EDGE, ViTokenizer::new(Mode::Edge));
    m.register(analyzer::BIGRAM, ViTokenizer::new(Mode::Bigram));
    m.register(analyzer::TONE_BIGRAM, ViTokenizer::new(Mode::ToneBigram));
}

/// What the query side knows about a procedure without reading the document store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ProcMeta {
    pub code: String,
    pub name: String,
    pub fields: Vec<String>,
    /// The record's levels, or the level its name states ("(thực hiện tại cấp tỉnh)") when the
    /// source gave none.
    pub levels: Vec<Level>,
    pub online: bool,
    pub has_detail: bool,
    pub kind: ProcedureKind,
    /// Folded name of the issuing province of a SPECIFIC variant.
    pub province: Option<String>,
}

/// The side file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Meta {
    pub format: u32,
    /// The tantivy segments this side file was written for: a side file from another build of
    /// the index is refused at open even when its counts happen to agree.
    pub segments: Vec<String>,
    pub synonyms: Vec<Synonym>,
    /// The data's list of most used procedures (the portal's most searched), most used first:
    /// a gentle prior in ranking.
    pub featured: Vec<String>,
    pub procedures: Vec<ProcMeta>,
    pub hotlines: Vec<Hotline>,
    pub guides: Vec<Guide>,
}

/// Strips the administrative prefix from a province name and folds it:
/// "UBND tỉnh Thái Nguyên", "Thái Nguyên" and "thai nguyen" all give "thai nguyen".
pub(crate) fn province_key(s: &str) -> String {
    let mut f = text::fold(&text::clean_line(s));
    for p in [
        "ubnd ",
        "uy ban nhan dan ",
        "tinh ",
        "thanh pho ",
        "tp. ",
        "tp ",
    ] {
        if let Some(rest) = f.strip_prefix(p) {
            f = rest.to_string();
        }
    }
    f.trim().to_string()
}

/// The level a name states when the source gives none.
fn levels_from_name(name: &str) -> Vec<Level> {
    let f = text::fold(name);
    let mut out = Vec::new();
    let has = |p: &str| text::contains_words(&f, p);
    if has("cap trung uong") || has("cap bo") {
        out.push(Level::Ministry);
    }
    if has("cap tinh") {
        out.push(Level::Province);
    }
    if has("cap xa") || has("cap phuong") {
        out.push(Level::Commune);
    }
    out
}

fn proc_meta(p: &Procedure) -> ProcMeta {
    ProcMeta {
        code: p.code.clone(),
        name: p.name.clone(),
        fields: p.fields.clone(),
        levels: if p.levels.is_empty() {
            levels_from_name(&p.name)
        } else {
            p.levels.clone()
        },
        online: p.online(),
        has_detail: p.has_detail(),
        kind: p.kind,
        province: p.issuing_province().map(province_key),
    }
}

fn push_line(out: &mut String, s: &str) {
    let s = s.trim();
    if !s.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(s);
    }
}

/// The body text of a procedure: what it gives, what to bring, conditions, steps, law, who.
fn procedure_body(p: &Procedure) -> String {
    let mut b = String::new();
    for r in &p.results {
        push_line(&mut b, r);
    }
    for case in &p.dossier {
        push_line(&mut b, &case.name);
        for it in &case.items {
            push_line(&mut b, &it.name);
        }
    }
    push_line(&mut b, &p.requirements);
    for s in &p.steps {
        push_line(&mut b, &s.title);
        push_line(&mut b, &s.text);
    }
    for l in &p.legal_basis {
        push_line(&mut b, &l.title);
    }
    for s in &p.subjects {
        push_line(&mut b, s);
    }
    for a in p
        .agencies
        .executing
        .iter()
        .chain(&p.agencies.competent)
        .chain(&p.agencies.coordinating)
    {
        push_line(&mut b, a);
    }
    for u in &p.unparsed {
        push_line(&mut b, &u.text);
    }
    b
}

/// Words that say what kind of record a hotline or guide is, so "đường dây nóng", "tổng đài",
/// "hotline" or "hướng dẫn" find them even when their own titles don't say so.
const HOTLINE_WORDS: &str = "đường dây nóng, tổng đài, hotline, số điện thoại, gọi điện";
const GUIDE_WORDS: &str = "hướng dẫn dịch vụ công trực tuyến";

fn add_doc(
    w: &IndexWriter,
    f: &Fields,
    kind: DocKind,
    ord: usize,
    name: &str,
    kw: &str,
    body: &str,
) -> Result<(), tantivy::TantivyError> {
    let mut d = TantivyDocument::default();
    d.add_u64(f.kind, kind as u64);
    d.add_u64(f.ord, ord as u64);
    for field in [
        f.name,
        f.name_tone,
        f.name_edge,
        f.name_bigram,
        f.name_tone_bigram,
    ] {
        d.add_text(field, name);
    }
    d.add_text(f.kw, kw);
    d.add_text(f.kw_edge, kw);
    d.add_text(f.body, body);
    w.add_document(d)?;
    Ok(())
}

/// Writes a fresh index for `ds` into `dir` (emptied first) and returns its side data.
pub(crate) fn build(dir: &Path, ds: &Dataset) -> Result<Meta, SearchError> {
    let mut b = Builder::new(dir)?;
    for p in &ds.procedures {
        b.add_procedure(p)?;
    }
    b.finish(ds)
}

/// An index being written: procedures are added one at a time as they are read, under a
/// bounded writer heap (tantivy writes a segment to disk whenever its heap is full), then
/// [`Builder::finish`] adds the hotlines and guides, merges the segments into one and writes the
/// side file.
pub(crate) struct Builder {
    dir: std::path::PathBuf,
    index: Index,
    writer: IndexWriter,
    fields: Fields,
    procedures: Vec<ProcMeta>,
}

impl Builder {
    fn tv(&self, e: tantivy::TantivyError) -> SearchError {
        SearchError::Index {
            path: self.dir.clone(),
            source: e,
        }
    }

    pub fn new(dir: &Path) -> Result<Builder, SearchError> {
        let io = |e: std::io::Error| SearchError::Io {
            path: dir.to_path_buf(),
            source: e,
        };
        let tv = |e: tantivy::TantivyError| SearchError::Index {
            path: dir.to_path_buf(),
            source: e,
        };
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io)?;
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(dir, schema).map_err(tv)?;
        register_tokenizers(&index);
        let writer: IndexWriter = index
            .writer_with_num_threads(WRITER_THREADS, WRITER_BUDGET)
            .map_err(tv)?;
        // The segments are merged once, by hand, at the end: a background merge racing that
        // final merge made it fail now and then ("segments that were merged could not be found").
        writer.set_merge_policy(Box::new(tantivy::merge_policy::NoMergePolicy));
        Ok(Builder {
            dir: dir.to_path_buf(),
            index,
            writer,
            fields,
            procedures: Vec::new(),
        })
    }

    /// Adds the next procedure; its ordinal is the number added before it.
    pub fn add_procedure(&mut self, p: &Procedure) -> Result<(), SearchError> {
        let mut kw = String::new();
        for s in p.fields.iter().chain(&p.keywords).chain(&p.service_groups) {
            push_line(&mut kw, s);
        }
        let ord = self.procedures.len();
        add_doc(
            &self.writer,
            &self.fields,
            DocKind::Procedure,
            ord,
            &p.name,
            &kw,
            &procedure_body(p),
        )
        .map_err(|e| self.tv(e))?;
        self.procedures.push(proc_meta(p));
        Ok(())
    }

    /// Adds `ds`'s hotlines and guides (its procedures are not read: they were added one by
    /// one), commits, merges into one segment and writes the side file with `ds`'s synonyms and
    /// "most used" list.
    pub fn finish(self, ds: &Dataset) -> Result<Meta, SearchError> {
        let Builder {
            dir,
            index,
            mut writer,
            fields: f,
            procedures,
        } = self;
        let tv = |e: tantivy::TantivyError| SearchError::Index {
            path: dir.clone(),
            source: e,
        };
        for (i, h) in ds.hotlines.iter().enumerate() {
            let kw = format!("{HOTLINE_WORDS}\n{}", h.scope);
            let body = [h.purpose.as_str(), h.number.as_str(), h.hours.as_str()].join("\n");
            add_doc(&writer, &f, DocKind::Hotline, i, &h.name, &kw, &body).map_err(tv)?;
        }
        for (i, g) in ds.guides.iter().enumerate() {
            let mut body = g.summary.clone();
            for s in &g.steps {
                push_line(&mut body, s);
            }
            add_doc(&writer, &f, DocKind::Guide, i, &g.title, GUIDE_WORDS, &body).map_err(tv)?;
        }
        writer.commit().map_err(tv)?;
        // One segment: smaller, and the vocabulary is read from one term dictionary per field.
        let ids = index.searchable_segment_ids().map_err(tv)?;
        if ids.len() > 1 {
            writer.merge(&ids).wait().map_err(tv)?;
        }
        writer.wait_merging_threads().map_err(tv)?;
        let meta = Meta {
            format: FORMAT,
            segments: segment_names(&index).map_err(tv)?,
            synonyms: ds.synonyms.clone(),
            featured: ds.featured.clone(),
            procedures,
            hotlines: ds.hotlines.clone(),
            guides: ds.guides.clone(),
        };
        let path = dir.join(META_FILE);
        let json = serde_json::to_vec(&meta).map_err(|e| SearchError::Meta {
            path: path.clone(),
            message: e.to_string(),
        })?;
        std::fs::write(&path, json).map_err(|e| SearchError::Io { path, source: e })?;
        Ok(meta)
    }
}

/// The opened tantivy side.
pub(crate) struct Opened {
    pub reader: IndexReader,
    pub fields: Fields,
    /// Its searchable segments, sorted.
    pub segments: Vec<String>,
}

fn segment_names(index: &Index) -> tantivy::Result<Vec<String>> {
    let mut v: Vec<String> = index
        .searchable_segment_ids()?
        .iter()
        .map(|id| id.uuid_string())
        .collect();
    v.sort();
    Ok(v)
}

/// An index folder that is never written after it is built (a rebuild writes a new folder and
/// renames it in). tantivy takes its meta lock, a file it creates in the folder, while it opens
/// segment readers, so that a writer's garbage collection cannot delete them meanwhile. There is
/// no such writer here, so where the lock file cannot be created (a read-only file system or
/// folder) the index opens without it: a kiosk on a read-only disk still searches.
#[derive(Debug, Clone)]
struct Installed(MmapDirectory);

impl Directory for Installed {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.0.get_file_handle(path)
    }
    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.0.delete(path)
    }
    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.0.exists(path)
    }
    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.0.open_write(path)
    }
    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.0.atomic_read(path)
    }
    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        self.0.atomic_write(path, data)
    }
    fn sync_directory(&self) -> std::io::Result<()> {
        self.0.sync_directory()
    }
    fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.0.watch(callback)
    }
    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        match self.0.acquire_lock(lock) {
            Err(LockError::IoError(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
                ) =>
            {
                Ok(DirectoryLock::from(Box::new(())))
            }
            other => other,
        }
    }
}

pub(crate) fn open_tantivy(dir: &Path) -> Result<Opened, SearchError> {
    let tv = |e: tantivy::TantivyError| SearchError::Index {
        path: dir.to_path_buf(),
        source: e,
    };
    let mmap = MmapDirectory::open(dir).map_err(|e| tv(e.into()))?;
    let index = Index::open(Installed(mmap)).map_err(tv)?;
    register_tokenizers(&index);
    let (expected, fields) = schema();
    if index.schema() != expected {
        return Err(SearchError::Meta {
            path: dir.to_path_buf(),
            message: "the index was built with another schema; rebuild it".into(),
        });
    }
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(tv)?;
    let segments = segment_names(&index).map_err(tv)?;
    Ok(Opened {
        reader,
        fields,
        segments,
    })
}

/// Checks that the tantivy documents and the side file describe the same records: per kind, the
/// documents' ordinals are exactly `0..n` where `n` is the side file's count. A side file from
/// another build (or a truncated, edited or swapped one) fails here, at open, so the kiosk
/// rebuilds the index from the store instead of answering from mismatched halves.
pub(crate) fn check_consistent(
    dir: &Path,
    opened: &Opened,
    meta: &Meta,
) -> Result<(), SearchError> {
    let tv = |e: tantivy::TantivyError| SearchError::Index {
        path: dir.to_path_buf(),
        source: e,
    };
    let wanted = [
        (DocKind::Procedure, "procedure", meta.procedures.len()),
        (DocKind::Hotline, "hotline", meta.hotlines.len()),
        (DocKind::Guide, "guide", meta.guides.len()),
    ];
    let mut seen: Vec<Vec<bool>> = wanted.iter().map(|w| vec![false; w.2]).collect();
    let inconsistent = |message: String| SearchError::Inconsistent {
        path: dir.to_path_buf(),
        message,
    };
    let mut segments = meta.segments.clone();
    segments.sort();
    if segments != opened.segments {
        return Err(inconsistent(
            "the side file was written for other index segments".into(),
        ));
    }
    let searcher = opened.reader.searcher();
    for seg in searcher.segment_readers() {
        let ff = seg.fast_fields();
        let kinds = ff.u64("kind").map_err(tv)?.first_or_default_col(u64::MAX);
        let ords = ff.u64("ord").map_err(tv)?.first_or_default_col(u64::MAX);
        for doc in seg.doc_ids_alive() {
            let kind = kinds.get_val(doc);
            let Some(k) = DocKind::from_u64(kind) else {
                return Err(inconsistent(format!("a document of unknown kind {kind}")));
            };
            let (_, what, n) = wanted[k as usize];
            let ord = ords.get_val(doc);
            match seen[k as usize].get_mut(ord as usize) {
                Some(s) if !*s => *s = true,
                Some(_) => return Err(inconsistent(format!("{what} #{ord} is indexed twice"))),
                None => {
                    return Err(inconsistent(format!(
                        "the index has {what} #{ord} but the side file lists {n} {what}s"
                    )));
                }
            }
        }
    }
    for ((_, what, n), s) in wanted.iter().zip(&seen) {
        let indexed = s.iter().filter(|x| **x).count();
        if indexed != *n {
            return Err(inconsistent(format!(
                "the side file lists {n} {what}s but the index has {indexed}"
            )));
        }
    }
    Ok(())
}

pub(crate) fn read_meta(dir: &Path) -> Result<Meta, SearchError> {
    let path = dir.join(META_FILE);
    let bytes = std::fs::read(&path).map_err(|e| SearchError::Io {
        path: path.clone(),
        source: e,
    })?;
    let meta: Meta = serde_json::from_slice(&bytes).map_err(|e| SearchError::Meta {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if meta.format != FORMAT {
        return Err(SearchError::Meta {
            path,
            message: format!(
                "index format {} but this build reads {FORMAT}; rebuild it",
                meta.format
            ),
        });
    }
    Ok(meta)
}
