//! The passes of growing tolerance a query runs through until something matches: strict, then
//! with typo correction, then without the filters, then any word. Each pass collects every
//! matching record with its score (the sets are small: at most a few thousand records), so
//! ranking, filters and facets happen in one place afterwards.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::ColumnValues;
use tantivy::{DocAddress, DocId, Score, SegmentReader};

use super::index::DocKind;
use super::plan::Plan;
use super::query::{Builder, Required, TYPO_MIN_LEN, content_count, has_unknown_word, typo_plan};
use super::rank::Filter;
use super::snippet::Highlights;
use super::{Query, Relaxation, SearchError, SearchIndex};

/// The strict pass must find at least this many records, or the typo pass runs.
const MIN_STRICT_HITS: usize = 1;
/// Up to this many content concepts, a query that finds nothing is tried as a typing error even
/// when every word is known (a swap can make another real word); longer ones only when a word
/// is unknown.
const MAX_TYPO_CONCEPTS: usize = 3;
/// A query of at least this many content concepts is also read more widely: every concept but
/// one. Long questions carry words ("vợ", "hưởng", "bệnh viện") that some long bodies happen to
/// hold all of, and those must not hide the procedure whose name says the words that matter.
const WIDEN_MIN_CONCEPTS: usize = 3;
/// What matching every concept still counts, over matching all but one.
const F_ALL_CONCEPTS: f32 = 1.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pass {
    required: Required,
    fuzzy: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Matched {
    pub ord: u32,
    pub score: f32,
    pub addr: DocAddress,
}

#[derive(Default)]
pub(super) struct PassOut {
    pub procs: Vec<Matched>,
    pub hotlines: Vec<Matched>,
    pub guides: Vec<Matched>,
    pub hl: Highlights,
    pub corrections: Vec<(String, String)>,
    /// The plan the pass ran (the typo pass reads mistyped words as dictionary words).
    pub plan: Plan,
}

/// The pass whose matches are shown.
pub(super) struct Chosen {
    pub out: PassOut,
    /// False when nothing matched the filters and the results ignore them.
    pub use_filters: bool,
}

/// Collects every match with its score, kind and ordinal (the sets are small: at most a few
/// thousand records), so ranking, filters and facets happen in one place afterwards.
struct AllMatches;

struct AllMatchesSeg {
    seg: u32,
    kind: std::sync::Arc<dyn ColumnValues<u64>>,
    ord: std::sync::Arc<dyn ColumnValues<u64>>,
    out: Vec<(u8, Matched)>,
}

impl Collector for AllMatches {
    type Fruit = Vec<(u8, Matched)>;
    type Child = AllMatchesSeg;

    fn for_segment(&self, seg: u32, reader: &SegmentReader) -> tantivy::Result<AllMatchesSeg> {
        let ff = reader.fast_fields();
        Ok(AllMatchesSeg {
            seg,
            kind: ff.u64("kind")?.first_or_default_col(0),
            ord: ff.u64("ord")?.first_or_default_col(0),
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u8, Matched)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for AllMatchesSeg {
    type Fruit = Vec<(u8, Matched)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.out.push((
            self.kind.get_val(doc) as u8,
            Matched {
                ord: self.ord.get_val(doc) as u32,
                score,
                addr: DocAddress::new(self.seg, doc),
            },
        ));
    }

    fn harvest(self) -> Self::Fruit {
        self.out
    }
}

fn run_pass(
    ix: &SearchIndex,
    searcher: &tantivy::Searcher,
    q: &Query,
    plan: &Plan,
    pass: Pass,
) -> Result<PassOut, SearchError> {
    let (plan, corrections) = if pass.fuzzy {
        typo_plan(ix, plan)
    } else {
        (plan.clone(), Vec::new())
    };
    let mut b = Builder {
        ix,
        required: pass.required,
    };
    let (query, hl) = b.build(&plan);
    let mut out = PassOut {
        hl,
        corrections,
        plan,
        ..PassOut::default()
    };
    let found = searcher
        .search(&*query, &AllMatches)
        .map_err(|e| SearchError::Query {
            query: q.text.clone(),
            source: e,
        })?;
    for (kind, m) in found {
        match DocKind::from_u64(kind as u64) {
            Some(DocKind::Procedure) => out.procs.push(m),
            Some(DocKind::Hotline) => out.hotlines.push(m),
            Some(DocKind::Guide) => out.guides.push(m),
            None => {}
        }
    }
    Ok(out)
}

/// Runs the passes in order until one finds something; `extra` counts results found outside
/// the index (hotlines by phone number). Records in `relax` how the query was loosened.
pub(super) fn ladder(
    ix: &SearchIndex,
    searcher: &tantivy::Searcher,
    q: &Query,
    plan: &Plan,
    filter: &Filter,
    extra: usize,
    relax: &mut Relaxation,
) -> Result<Option<Chosen>, SearchError> {
    let filtered = |out: &PassOut| -> Result<usize, SearchError> {
        let mut n = 0;
        for m in &out.procs {
            n += usize::from(filter.passes(ix, m.ord)?);
        }
        Ok(n + out.hotlines.len() + out.guides.len() + extra)
    };
    let unfiltered = |out: &PassOut| out.procs.len() + out.hotlines.len() + out.guides.len();
    let chosen = |out: PassOut, use_filters: bool| Ok(Some(Chosen { out, use_filters }));
    let run =
        |required: Required, fuzzy: bool| run_pass(ix, searcher, q, plan, Pass { required, fuzzy });
    let content = content_count(plan);
    let typo_possible = typo_possible(plan);
    // Every word known and many of them: a question, not a typing error (correcting its words
    // would only add noise, and costs a pass).
    let typo_worth = typo_possible && (content <= MAX_TYPO_CONCEPTS || has_unknown_word(ix, plan));

    let strict = run(Required::All, false)?;
    let strict_n = filtered(&strict)?;
    if strict_n >= MIN_STRICT_HITS {
        if content >= WIDEN_MIN_CONCEPTS {
            let wider = run(Required::AtLeast(content - 1), false)?;
            return chosen(widened(strict, wider), true);
        }
        return chosen(strict, true);
    }
    let typo = if typo_worth {
        Some(run(Required::All, true)?)
    } else {
        None
    };
    if let Some(t) = typo.as_ref()
        && filtered(t)? > 0
    {
        relax.typo = true;
        let typo = typo.unwrap_or_default();
        if content >= WIDEN_MIN_CONCEPTS {
            let wider = run(Required::AtLeast(content - 1), true)?;
            return chosen(widened(typo, wider), true);
        }
        return chosen(typo, true);
    }
    if strict_n > 0 {
        return chosen(strict, true);
    }
    if !q.filters.is_empty() {
        if unfiltered(&strict) > 0 {
            relax.dropped_filters = true;
            return chosen(strict, false);
        }
        if let Some(t) = typo.as_ref()
            && unfiltered(t) > 0
        {
            relax.dropped_filters = true;
            relax.typo = true;
            return chosen(typo.unwrap_or_default(), false);
        }
    }
    // Fewer words: filler and context words never counted; now most of the content words
    // (records with more of them rank first), then any one of them, then any one read as a
    // typing error.
    relax.any_word = true;
    let mut steps = Vec::new();
    if content >= 3 {
        steps.push((Required::AtLeast(content.div_ceil(2)), false));
    }
    steps.push((Required::AtLeast(1), false));
    if typo_possible {
        steps.push((Required::AtLeast(1), true));
    }
    for (required, fuzzy) in steps {
        let out = run(required, fuzzy)?;
        relax.typo = fuzzy;
        if filtered(&out)? > 0 {
            return chosen(out, true);
        }
        if unfiltered(&out) > 0 {
            relax.dropped_filters = true;
            return chosen(out, false);
        }
    }
    Ok(None)
}

/// The wider pass's matches (a superset of the strict ones, scored alike), the records that
/// matched every concept counting `F_ALL_CONCEPTS` times their score.
fn widened(strict: PassOut, mut wider: PassOut) -> PassOut {
    let all: std::collections::HashSet<(u32, DocId)> = strict
        .procs
        .iter()
        .chain(&strict.hotlines)
        .chain(&strict.guides)
        .map(|m| (m.addr.segment_ord, m.addr.doc_id))
        .collect();
    let f = super::query::tune("F_ALL_CONCEPTS", F_ALL_CONCEPTS);
    for m in wider
        .procs
        .iter_mut()
        .chain(wider.hotlines.iter_mut())
        .chain(wider.guides.iter_mut())
    {
        if all.contains(&(m.addr.segment_ord, m.addr.doc_id)) {
            m.score *= f;
        }
    }
    wider
}

/// Whether some word is long enough to be read as a typing error.
pub(super) fn typo_possible(plan: &Plan) -> bool {
    plan.words
        .iter()
        .any(|w| w.folded.chars().count() >= TYPO_MIN_LEN)
}
