//! A search as the kiosk runs it: the citizen's text and filters, plus the office's own level
//! and province for ranking; a procedure code opens the procedure directly.

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
        Ok(SearchOutcome {
            request: req.clone(),
            results,
        })
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
