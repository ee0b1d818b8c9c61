//! A search as the kiosk runs it: the citizen's text and filters, plus the office's own level
//! and province for ranking; a procedure code opens the procedure directly.

use crate::domain::Level;
use crate::search::{Filters, Query, RankContext, Results};

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
        let cfg = self.config();
        let q = Query {
            text: req.text.clone(),
            limit: if req.limit == 0 { 30 } else { req.limit },
            filters: Filters {
                field: req.field.clone(),
                level: req.level,
                online_only: req.online_only,
            },
            context: RankContext {
                level: Some(cfg.level()),
                province: (!cfg.office.province.trim().is_empty())
                    .then(|| cfg.office.province.clone()),
            },
        };
        let results = live.index.search(&q)?;
        Ok(SearchOutcome {
            request: req.clone(),
            results,
        })
    }
}
