//! The portal's public detail API (`portal-api-details.jsonl`): one `{code, data, message}`
//! envelope per line, the richest source. Everything a citizen needs is kept.

use std::path::Path;

use serde::Deserialize;

use super::report::SourceReport;
use super::{BundleError, jsonl, steps};
use crate::domain::text::{clean, clean_line};
use crate::domain::{
    Agencies, Channel, DossierCase, DossierItem, Fee, FeeKind, LegalDoc, Level, Method, Procedure,
    ProcedureKind, RawSection, Source, TimeLimit, TimeUnit,
};

#[derive(Deserialize)]
struct Envelope {
    code: String,
    #[serde(default)]
    message: Option<String>,
    data: Option<Detail>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Named {
    name: String,
    code: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ExecStep {
    name: String,
    description: String,
}

/// The portal gives a processing time as a number, a number in a string, or a sentence.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText {
    Num(f64),
    Text(String),
}

impl NumOrText {
    /// (amount, words)
    fn split(&self) -> (Option<f64>, String) {
        match self {
            NumOrText::Num(n) => (Some(*n), String::new()),
            NumOrText::Text(t) => match t.trim().replace(',', ".").parse::<f64>() {
                Ok(n) => (Some(n), String::new()),
                Err(_) => (None, clean(t)),
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecMethod {
    submission_method: String,
    #[serde(default)]
    processing_time: Option<NumOrText>,
    #[serde(default)]
    processing_time_unit: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    fees: Vec<RawFee>,
}

#[derive(Deserialize)]
struct RawFee {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    value: Option<f64>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ExecCase {
    name: String,
    profile_components: Vec<Component>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Component {
    name: String,
    original_qty: Option<f64>,
    copy_qty: Option<f64>,
    required: Option<bool>,
    has_electronic_form: Option<bool>,
    attachments: Vec<Attachment>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Attachment {
    name: Option<String>,
    file_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Case {
    processing_day: Option<ProcessingDay>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProcessingDay {
    qty: Option<f64>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Detail {
    code: String,
    name: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    execution_steps: Vec<ExecStep>,
    #[serde(default)]
    execution_methods: Vec<ExecMethod>,
    #[serde(default)]
    execution_cases: Vec<ExecCase>,
    #[serde(default)]
    cases: Vec<Case>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    is_ward: bool,
    #[serde(default)]
    is_province: bool,
    #[serde(default)]
    is_ministry: bool,
    #[serde(default)]
    is_other_agency: bool,
    #[serde(default)]
    is_full_process: bool,
    #[serde(default)]
    keywords: Option<String>,
    #[serde(default)]
    decision_no: Option<String>,
    #[serde(default)]
    categories_details: Vec<Named>,
    #[serde(default)]
    legal_basises_details: Vec<Named>,
    #[serde(default)]
    results_details: Vec<Named>,
    #[serde(default)]
    subject_types_details: Vec<Named>,
    #[serde(default)]
    departments_executing: Vec<Named>,
    #[serde(default)]
    departments_authority: Vec<Named>,
    #[serde(default)]
    departments_coordinating: Vec<Named>,
    #[serde(default)]
    unit_groups_executing: Vec<Named>,
    #[serde(default)]
    unit_groups_authority: Vec<Named>,
    #[serde(default)]
    service_groups_details: Vec<Named>,
    #[serde(default)]
    executing_agencies: Option<String>,
    #[serde(default)]
    coordinating_agencies: Option<String>,
    #[serde(default)]
    dossier_receiving_addresses: Option<String>,
    #[serde(default)]
    requirements_and_conditions: Option<String>,
    #[serde(default)]
    department_promulgate_name: Option<String>,
    #[serde(default)]
    procedure_proposal: Option<Proposal>,
    #[serde(default)]
    updated_at: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Proposal {
    proposal_number: Option<String>,
}

fn unit(s: &str) -> Option<TimeUnit> {
    match s {
        "WORKING_DAY" => Some(TimeUnit::WorkingDay),
        "DAY" => Some(TimeUnit::Day),
        "HOUR" => Some(TimeUnit::Hour),
        "MONTH" => Some(TimeUnit::Month),
        "YEAR" => Some(TimeUnit::Year),
        _ => None,
    }
}

fn method(s: &str) -> Option<Method> {
    match s {
        "DIRECT" => Some(Method::Direct),
        "ONLINE" => Some(Method::Online),
        "POSTAL" => Some(Method::Postal),
        _ => None,
    }
}

fn names(v: &[Named]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in v {
        let s = clean_line(&n.name);
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map(clean).unwrap_or_default()
}

/// Reads the file; every record becomes a procedure. Records that are not `OK` envelopes are
/// counted as skipped in the report, with their line.
pub fn read(path: &Path, report: &mut SourceReport) -> Result<Vec<Procedure>, BundleError> {
    let mut out = Vec::new();
    for (line, env) in jsonl::read::<Envelope>(path)? {
        let Some(d) = env.data.filter(|_| env.code == "OK") else {
            report.skip(
                line,
                format!(
                    "response `{}` without data{}",
                    env.code,
                    env.message.map(|m| format!(" ({m})")).unwrap_or_default()
                ),
            );
            continue;
        };
        let code = clean_line(&d.code);
        if !crate::domain::is_valid_code(&code) {
            return Err(BundleError::Field {
                path: path.to_path_buf(),
                line,
                field: "data.code".into(),
                message: format!("`{code}` is not a procedure code"),
            });
        }
        out.push(convert(d, code, report));
    }
    report.records = out.len();
    Ok(out)
}

/// Checks one detail API answer (a `{code, data, message}` envelope) the way [`read`] would take
/// it from a file, and converts it. `Ok(None)` is a well-formed answer without data (the portal
/// says it has no such record).
pub fn parse_one(text: &str) -> Result<Option<Procedure>, BundleError> {
    let at = Path::new("<detail answer>");
    if text.contains('\n') {
        return Err(BundleError::Invalid {
            path: at.to_path_buf(),
            message: "a record must be one line".into(),
        });
    }
    let env: Envelope = jsonl::parse_line(at, 1, text)?;
    let Some(d) = env.data.filter(|_| env.code == "OK") else {
        return Ok(None);
    };
    let code = clean_line(&d.code);
    if !crate::domain::is_valid_code(&code) {
        return Err(BundleError::Field {
            path: at.to_path_buf(),
            line: 1,
            field: "data.code".into(),
            message: format!("`{code}` is not a procedure code"),
        });
    }
    let mut report = SourceReport::new(crate::domain::Source::PortalApi, at);
    Ok(Some(convert(d, code, &mut report)))
}

fn convert(d: Detail, code: String, report: &mut SourceReport) -> Procedure {
    let mut levels = Vec::new();
    for (flag, level) in [
        (d.is_ministry, Level::Ministry),
        (d.is_province, Level::Province),
        (d.is_ward, Level::Commune),
        (d.is_other_agency, Level::Other),
    ] {
        if flag {
            levels.push(level);
        }
    }

    // When the unit is OTHER the portal shows a bare number; the case's processing day is the
    // authoritative limit (see the corpus README).
    let case_limit = d
        .cases
        .iter()
        .filter_map(|c| c.processing_day.as_ref())
        .find_map(|pd| Some((pd.qty?, unit(pd.kind.as_deref()?)?)));

    let mut channels: Vec<Channel> = Vec::new();
    for m in &d.execution_methods {
        let Some(method) = method(m.submission_method.trim()) else {
            report.unparsed(
                &code,
                "executionMethods.submissionMethod",
                &m.submission_method,
            );
            continue;
        };
        let (amount, words) = m
            .processing_time
            .as_ref()
            .map(NumOrText::split)
            .unwrap_or_default();
        let mut time = TimeLimit {
            amount,
            unit: m.processing_time_unit.as_deref().and_then(unit),
            text: words,
        };
        if time.unit.is_none()
            && let Some((qty, u)) = case_limit
        {
            time.amount = Some(qty);
            time.unit = Some(u);
        }
        if time.amount == Some(0.0) && time.unit.is_none() {
            time.amount = None;
        }
        let fees = m
            .fees
            .iter()
            .map(|f| Fee {
                kind: match f.kind.as_deref() {
                    Some("FEE") => FeeKind::Fee,
                    Some("SERVICE_FEE") => FeeKind::Charge,
                    Some("PRICE_LEVEL") => FeeKind::Price,
                    _ => FeeKind::Unspecified,
                },
                amount_vnd: f.value.map(|v| v.round() as i64),
                text: opt(&f.description),
            })
            .collect();
        let ch = Channel {
            method,
            time,
            fees,
            note: opt(&m.description),
        };
        // The portal sometimes lists a method twice; keep the first.
        if !channels.iter().any(|c| c.method == ch.method) {
            channels.push(ch);
        }
    }
    channels.sort_by_key(|c| c.method);

    let dossier: Vec<DossierCase> = d
        .execution_cases
        .iter()
        .map(|c| DossierCase {
            name: clean_line(&c.name),
            items: c
                .profile_components
                .iter()
                .map(|p| DossierItem {
                    name: clean(&p.name),
                    originals: p.original_qty.unwrap_or(0.0).max(0.0) as u32,
                    copies: p.copy_qty.unwrap_or(0.0).max(0.0) as u32,
                    required: p.required.unwrap_or(false),
                    form: p
                        .attachments
                        .iter()
                        .find_map(|a| a.file_name.clone().or_else(|| a.name.clone()))
                        .map(|s| clean_line(&s))
                        .filter(|s| !s.is_empty()),
                    electronic_form: p.has_electronic_form.unwrap_or(false),
                })
                .filter(|i| !i.name.is_empty())
                .collect(),
        })
        .filter(|c| !c.items.is_empty())
        .collect();

    let mut step_list = Vec::new();
    for s in &d.execution_steps {
        step_list.extend(steps::split(&s.name, &s.description));
    }

    let mut executing = names(&d.departments_executing);
    executing.extend(names(&d.unit_groups_executing));
    if executing.is_empty() {
        let e = opt(&d.executing_agencies);
        if !e.is_empty() {
            executing.push(e);
        }
    }
    let mut competent = names(&d.departments_authority);
    competent.extend(names(&d.unit_groups_authority));
    let mut coordinating = names(&d.departments_coordinating);
    if coordinating.is_empty() {
        let c = opt(&d.coordinating_agencies);
        if !c.is_empty() {
            coordinating.push(c);
        }
    }

    let mut legal_basis: Vec<LegalDoc> = d
        .legal_basises_details
        .iter()
        .map(|l| LegalDoc {
            code: l.code.as_deref().map(clean_line).unwrap_or_default(),
            title: clean_line(&l.name),
        })
        .filter(|l| !(l.code.is_empty() && l.title.is_empty()))
        .collect();
    legal_basis.dedup();

    let mut unparsed = Vec::new();
    if step_list.is_empty() {
        for s in &d.execution_steps {
            let t = clean(&format!("{}\n{}", s.name, s.description));
            if !t.is_empty() {
                unparsed.push(RawSection {
                    field: "executionSteps".into(),
                    text: t,
                });
            }
        }
    }

    let decision = d
        .decision_no
        .as_deref()
        .map(clean_line)
        .filter(|s| !s.is_empty())
        .or_else(|| {
            d.procedure_proposal
                .as_ref()
                .and_then(|p| p.proposal_number.as_deref().map(clean_line))
        })
        .unwrap_or_default();

    Procedure {
        code,
        name: clean_line(&d.name),
        portal_id: d
            .id
            .map(|s| s.trim().to_string())
            .filter(|s| crate::domain::is_uuid(s)),
        fields: names(&d.categories_details),
        levels,
        kind: d
            .kind
            .as_deref()
            .map(ProcedureKind::parse)
            .unwrap_or_default(),
        issuer: opt(&d.department_promulgate_name),
        agencies: Agencies {
            executing,
            competent,
            coordinating,
            receiving_address: opt(&d.dossier_receiving_addresses),
        },
        subjects: names(&d.subject_types_details),
        steps: step_list,
        channels,
        dossier,
        results: names(&d.results_details),
        requirements: opt(&d.requirements_and_conditions),
        legal_basis,
        fully_online: d.is_full_process,
        decision,
        keywords: d
            .keywords
            .as_deref()
            .map(|k| {
                k.split([',', ';'])
                    .map(clean_line)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        service_groups: names(&d.service_groups_details),
        updated: d.updated_at.and_then(|ms| {
            chrono::DateTime::from_timestamp_millis(ms).map(|t| t.date_naive().to_string())
        }),
        sources: vec![Source::PortalApi],
        unparsed,
    }
}
