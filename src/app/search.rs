//! A search as the kiosk runs it: the citizen's text and filters, plus the office's own level
//! and province for ranking; a procedure code opens the procedure directly.

use super::answer::{ANSWERED, Answer, answer};
use crate::domain::Level;
use crate::search::{EvalCase, EvalReport, Filters, Query, RankContext, Results, SearchError};

/// What the search screen asks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchRequest {
    pub text: String,
    pub field: Option<String>,
    pub level: Option<Level>,
    pub online_only: bool,
    pub limit: usize,
}

/// The answer, with the request it answers.
#[derive(Debug, Clone)]
pub struct SearchOutcome {
    pub request: SearchRequest,
    pub results: Results,
    /// When the text asks one thing ("bao lâu", "ở đâu"…), each of the first procedures'
    /// answer to it, in the order of `results.procedures`.
    pub answers: Vec<Option<Answer>>,
    /// Whether each procedure of `results.procedures` changed lately ("Mới cập nhật").
    pub recent: Vec<bool>,
    /// The text is the code of a procedure no longer published: when and that it was withdrawn.
    pub withdrawn: Option<super::freshness::WithdrawnNotice>,
}

impl super::kiosk::Kiosk {
    /// Runs a search on the live data.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchOutcome, super::AppError> {
        let live = self.live();
        let q = Query {
            text: req.text.clone(),
            limit: if req.limit == 0 { 30 } else { req.limit },
            filters: Filters {
                field: req.field.clone(),
                level: req.level,
                online_only: req.online_only,
            },
            context: self.rank_context(),
        };
        let results = match live.index.search(&q) {
            Err(e @ SearchError::Inconsistent { .. }) => {
                // Derived data gone wrong: rebuild it from the store and answer from the new one.
                tracing::error!("{e}");
                self.rebuild_live_index(&live)?;
                self.live().index.search(&q)?
            }
            r => r?,
        };
        let answers = match results.asks {
            Some(ask) => self.answers(ask, &results),
            None => Vec::new(),
        };
        let today = chrono::Local::now().date_naive();
        let recent = results
            .procedures
            .iter()
            .map(|h| self.is_recent(&h.code, today))
            .collect();
        // A withdrawn code finds nothing of its own; say why rather than "not found".
        let withdrawn = crate::domain::normalize_code_query(&req.text)
            .filter(|code| !results.procedures.iter().any(|h| h.code == *code))
            .and_then(|code| self.withdrawn(&code));
        Ok(SearchOutcome {
            request: req.clone(),
            results,
            answers,
            recent,
            withdrawn,
        })
    }

    /// The first results' answers to `ask`, from their stored records. A record that cannot be
    /// read gets no answer line (the search itself still shows).
    fn answers(&self, ask: crate::search::Ask, results: &Results) -> Vec<Option<Answer>> {
        let live = self.live();
        results
            .procedures
            .iter()
            .take(ANSWERED)
            .map(|h| match live.content.procedure(&h.code) {
                Ok(Some(p)) => Some(answer(ask, &p, self.config())),
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!("answer for {}: {e}", h.code);
                    None
                }
            })
            .collect()
    }

    /// What ranking knows of this kiosk: its level and province come first.
    pub fn rank_context(&self) -> RankContext {
        let cfg = self.config();
        RankContext {
            level: Some(cfg.level()),
            province: (!cfg.office.province.trim().is_empty()).then(|| cfg.office.province.clone()),
        }
    }

    /// Relevance of the live index on evaluation cases, ranked as this kiosk ranks.
    pub fn evaluate(&self, cases: &[EvalCase]) -> Result<EvalReport, super::AppError> {
        Ok(crate::search::evaluate(
            &self.live().index,
            cases,
            &self.rank_context(),
        )?)
    }
}
