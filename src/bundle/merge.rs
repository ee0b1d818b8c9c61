//! Merging records of the same code from several sources. The best source (API > pages >
//! official list > catalog) gives the record; a field it leaves empty is taken from the next
//! source that has it, so the portal UUID survives from whichever source carried it.

use std::collections::BTreeMap;

use crate::domain::Procedure;

fn fill<T: Clone>(dst: &mut T, src: &T, empty: impl Fn(&T) -> bool) {
    if empty(dst) && !empty(src) {
        *dst = src.clone();
    }
}

fn absorb(base: &mut Procedure, other: &Procedure) {
    fill(&mut base.name, &other.name, String::is_empty);
    fill(&mut base.portal_id, &other.portal_id, Option::is_none);
    fill(&mut base.fields, &other.fields, Vec::is_empty);
    fill(&mut base.levels, &other.levels, Vec::is_empty);
    if base.kind == crate::domain::ProcedureKind::Unknown {
        base.kind = other.kind;
    }
    fill(&mut base.issuer, &other.issuer, String::is_empty);
    fill(
        &mut base.agencies.executing,
        &other.agencies.executing,
        Vec::is_empty,
    );
    fill(
        &mut base.agencies.competent,
        &other.agencies.competent,
        Vec::is_empty,
    );
    fill(
        &mut base.agencies.coordinating,
        &other.agencies.coordinating,
        Vec::is_empty,
    );
    fill(
        &mut base.agencies.receiving_address,
        &other.agencies.receiving_address,
        String::is_empty,
    );
    fill(&mut base.subjects, &other.subjects, Vec::is_empty);
    fill(&mut base.steps, &other.steps, Vec::is_empty);
    fill(&mut base.channels, &other.channels, Vec::is_empty);
    fill(&mut base.dossier, &other.dossier, Vec::is_empty);
    fill(&mut base.results, &other.results, Vec::is_empty);
    fill(
        &mut base.requirements,
        &other.requirements,
        String::is_empty,
    );
    fill(&mut base.legal_basis, &other.legal_basis, Vec::is_empty);
    base.fully_online |= other.fully_online;
    fill(&mut base.decision, &other.decision, String::is_empty);
    fill(&mut base.keywords, &other.keywords, Vec::is_empty);
    fill(
        &mut base.service_groups,
        &other.service_groups,
        Vec::is_empty,
    );
    fill(&mut base.updated, &other.updated, Option::is_none);
    for s in &other.sources {
        if !base.sources.contains(s) {
            base.sources.push(*s);
        }
    }
    // Raw text from a lower source only matters where the base has no structure for it.
    for raw in &other.unparsed {
        if !base.unparsed.iter().any(|r| r.field == raw.field) {
            let covered = match raw.field.as_str() {
                "cach_thuc_thuc_hien" => !base.channels.is_empty(),
                "thanh_phan_ho_so" => !base.dossier.is_empty(),
                "can_cu_phap_ly" => !base.legal_basis.is_empty(),
                "ket_qua_xu_ly" => !base.results.is_empty(),
                "trinh_tu_thuc_hien" | "executionSteps" => !base.steps.is_empty(),
                _ => false,
            };
            if !covered {
                base.unparsed.push(raw.clone());
            }
        }
    }
}

/// Merges records by code. Returns the merged procedures (sorted by code) and how many codes
/// had more than one record.
pub fn merge(records: Vec<Procedure>) -> (Vec<Procedure>, usize) {
    let mut by_code: BTreeMap<String, Vec<Procedure>> = BTreeMap::new();
    for r in records {
        by_code.entry(r.code.clone()).or_default().push(r);
    }
    let mut merged = 0;
    let mut out = Vec::with_capacity(by_code.len());
    for (_, mut group) in by_code {
        if group.len() > 1 {
            merged += 1;
        }
        // Stable: among records of the same source, the first one read wins.
        group.sort_by_key(|p| p.sources.first().copied());
        let mut it = group.into_iter();
        let Some(mut base) = it.next() else { continue };
        for other in it {
            absorb(&mut base, &other);
        }
        base.sources.sort();
        out.push(base);
    }
    (out, merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Source;

    #[test]
    fn best_source_wins_and_uuid_survives() {
        let api = Procedure {
            code: "1.000001".into(),
            name: "Từ API".into(),
            sources: vec![Source::PortalApi],
            ..Default::default()
        };
        let cat = Procedure {
            code: "1.000001".into(),
            name: "Từ danh mục".into(),
            portal_id: Some("019d2bfd-3fe0-70ac-b9d6-5e9e20d6eef7".into()),
            fields: vec!["Hộ tịch".into()],
            sources: vec![Source::Catalog],
            ..Default::default()
        };
        let (out, merged) = merge(vec![cat, api]);
        assert_eq!(merged, 1);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].name, "Từ API");
        assert!(out[0].portal_id.is_some());
        assert_eq!(out[0].fields, vec!["Hộ tịch".to_string()]);
        assert_eq!(out[0].sources, vec![Source::PortalApi, Source::Catalog]);
    }
}
