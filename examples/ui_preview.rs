//! Renders every page of the kiosk to PNG, landscape (1920×1080) and portrait (1080×1920), with
//! real data from the corpus, without a display:
//!
//! ```sh
//! cargo run --example ui_preview -- target/ui-preview [data/corpus]
//! ```
//!
//! Search results come from a plain substring match over folded names (the real engine lives
//! in `search`); everything else is what the kiosk shows. The staff screen shows a real kiosk
//! opened on a temporary data directory (seeded with the built-in data), a real bundle built from
//! the corpus on a temporary "USB stick", a real refusal (the bundle is unsigned) and a real
//! apply (signed with a throw-away key); its usage statistics are the few searches this preview
//! makes through that kiosk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use slint::{ComponentHandle, SharedString};

use motcua::app::search::{SearchOutcome, SearchRequest};
use motcua::app::view::{ProcedureRow, ProcedureView};
use motcua::config::Config;
use motcua::domain::{Dataset, FieldCount, Level, Procedure, text};
use motcua::search::{Facets, Highlighted, Hit, HotlineHit, Relaxation, Results, Snippet};
use motcua::ui::shell::{Shell, ShellOptions};
use motcua::ui::{
    self, BrowseAdapter, BrowseTab, GuidesAdapter, HomeAdapter, HotlinesAdapter, Kiosk, MainWindow,
    Page, SearchAdapter, Theme, model,
};

const LANDSCAPE: (u32, u32) = (1920, 1080);
const PORTRAIT: (u32, u32) = (1080, 1920);

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/ui-preview".into()));
    let corpus = PathBuf::from(args.next().unwrap_or_else(|| "data/corpus".into()));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;

    let mut inputs = vec![corpus];
    // The curated files (hotlines, guides, life events, featured codes) when present.
    if Path::new("data/src").is_dir() {
        inputs.push(PathBuf::from("data/src"));
    }
    let ds = read_dataset(&inputs)?;
    eprintln!(
        "{} procedures, {} hotlines, {} guides, {} life events",
        ds.procedures.len(),
        ds.hotlines.len(),
        ds.guides.len(),
        ds.life_events.len()
    );
    let config = Config::reference().context("the built-in configuration")?;

    let started = std::time::Instant::now();
    let offset = std::rc::Rc::new(std::cell::Cell::new(std::time::Duration::ZERO));
    let clock = offset.clone();
    let window = ui::screenshot::new_window()?;
    let shell = Shell::install(
        &window,
        ShellOptions {
            show_clock: false,
            // A clock that moves only when the preview moves it (for the countdown shot).
            now: std::rc::Rc::new(move || started + clock.get()),
            ..ShellOptions::default()
        },
    );
    // The office as the configuration names it (the built-in reference configuration).
    let k = window.global::<Kiosk>();
    k.set_office_name(config.office.name.as_str().into());
    k.set_office_address(config.office.address.as_str().into());
    k.set_opening_hours(config.office.opening_hours.as_str().into());
    k.set_clock("08:30".into());
    k.set_date("Thứ Năm, 27/11/2026".into());
    fill_static(&window, &ds, &config)?;

    let mut shots = Shots { out, count: 0 };
    // `UI_PREVIEW_ONLY=staff` renders only the staff screen and the rating (while working on them).
    if std::env::var("UI_PREVIEW_ONLY").is_ok_and(|v| v == "staff") {
        staff_and_rating(&window, &shell, &mut shots, &ds)?;
        eprintln!("{} PNG files in {}", shots.count, shots.out.display());
        return Ok(());
    }

    // Home, then its display variants.
    shots.take(&window, "home")?;
    window.global::<Theme>().set_large_text(true);
    shots.take(&window, "home-large-text")?;
    window.global::<Theme>().set_large_text(false);
    window.global::<Theme>().set_high_contrast(true);
    shots.take(&window, "home-high-contrast")?;
    window.global::<Theme>().set_high_contrast(false);
    shell.navigate(Page::Home);
    window.global::<Kiosk>().invoke_set_language("en".into());
    shots.take(&window, "home-english")?;
    shell.navigate(Page::Search);
    fill_search(&window, &ds, "khai sinh");
    shots.take(&window, "search-english")?;
    show_procedure(&window, &ds, &config, "1.001193", None)?;
    shell.navigate(Page::Procedure);
    shots.take(&window, "procedure-english")?;
    shell.home();
    window.global::<Kiosk>().invoke_set_language("vi".into());

    // Search: results, facets, the keyboard; an empty query; no result at all.
    shell.navigate(Page::Search);
    let sa = window.global::<SearchAdapter>();
    fill_search(&window, &ds, "khai sinh");
    shots.take(&window, "search")?;
    fill_search(&window, &ds, "dang ky thuong tru");
    sa.set_keyboard_open(false);
    shots.take(&window, "search-keyboard-closed")?;
    sa.set_keyboard_open(true);
    fill_search(&window, &ds, "");
    shots.take(&window, "search-empty-query")?;
    fill_search(&window, &ds, "xin giấy phép nuôi rồng");
    shots.take(&window, "search-no-results")?;
    fill_search(&window, &ds, "đường dây nóng");
    shots.take(&window, "search-hotlines")?;
    window.global::<Theme>().set_large_text(true);
    fill_search(&window, &ds, "khai sinh");
    shots.take(&window, "search-large-text")?;
    window.global::<Theme>().set_large_text(false);
    window.global::<Theme>().set_high_contrast(true);
    fill_search(&window, &ds, "thuế đất");
    shots.take(&window, "search-high-contrast")?;
    window.global::<Theme>().set_high_contrast(false);

    // The two procedures the brief names, and one in large text.
    for (code, counter) in [
        (
            "1.001193",
            Some("Nộp hồ sơ tại quầy số 3 (Tầng 1, Tư pháp – Hộ tịch)"),
        ),
        ("1.004222", None),
    ] {
        show_procedure(&window, &ds, &config, code, counter)?;
        shell.navigate(Page::Procedure);
        shots.take(&window, &format!("procedure-{code}"))?;
    }
    window.global::<Theme>().set_large_text(true);
    shots.take(&window, "procedure-1.004222-large-text")?;
    window.global::<Theme>().set_large_text(false);
    // The whole procedure page in one tall picture, to read every section.
    shots.take_tall(&window, "procedure-1.004222-full", (1080, 7000))?;
    show_procedure(&window, &ds, &config, "1.001193", None)?;
    shots.take_tall(&window, "procedure-1.001193-full", (1080, 6000))?;
    // A procedure with little detail, and one without a verified portal link.
    if let Some(p) = ds.procedures.iter().find(|p| !p.has_detail()) {
        show_procedure(&window, &ds, &config, &p.code.clone(), None)?;
        shots.take(&window, "procedure-without-detail")?;
    }
    // Without a verified portal UUID the QR leads to the portal's search.
    if let Some(p) = ds.procedures.iter().find(|p| p.code == "1.004222") {
        let p = Procedure {
            portal_id: None,
            ..p.clone()
        };
        let link = p.portal_link(&config.portal.procedure_base, &config.portal.search_url);
        let view = ProcedureView::new(&p, link, None);
        let m = motcua::qr::encode(&view.link.url)?;
        ui::show_procedure(&window, &view, ui::qr_image(m.size, &m.modules, 1));
        shots.take(&window, "procedure-without-link")?;
    }

    // Browse: the groups alone, then a field chosen, then a life event.
    shell.navigate(Page::Browse);
    let b = window.global::<BrowseAdapter>();
    b.set_selected_key(SharedString::new());
    shots.take(&window, "browse")?;
    choose_field(&window, &ds, "Hộ tịch");
    shots.take(&window, "browse-field")?;
    if let Some(ev) = ds.life_events.first() {
        b.set_tab(BrowseTab::LifeEvents);
        b.set_selected_key(ev.slug.as_str().into());
        b.set_selected_label(ev.label.as_str().into());
        b.set_selected_count(i32::try_from(ev.codes.len())?);
        b.set_procedures(ui::procedure_items(
            rows(&ds, |p| ev.codes.contains(&p.code)).iter(),
        ));
        shots.take(&window, "browse-life-event")?;
        b.set_tab(BrowseTab::Fields);
    }

    shell.navigate(Page::Hotlines);
    shots.take(&window, "hotlines")?;
    shell.navigate(Page::Guides);
    shots.take(&window, "guides")?;
    if let Some(g) = ds.guides.first() {
        let m = motcua::qr::encode(&g.link)?;
        ui::show_guide(&window, g, ui::qr_image(m.size, &m.modules, 1));
        shell.navigate(Page::Guide);
        shots.take(&window, "guide")?;
    }

    // The idle countdown over a search.
    shell.navigate(Page::Search);
    fill_search(&window, &ds, "khai sinh");
    shell.touch();
    offset.set(offset.get() + std::time::Duration::from_secs(93));
    shots.take(&window, "idle-warning")?;
    shell.touch();

    staff_and_rating(&window, &shell, &mut shots, &ds)?;

    eprintln!("{} PNG files in {}", shots.count, shots.out.display());
    Ok(())
}

/// Reads everything; when a file cannot be read (the importers are still growing), reads the
/// others and says which one was left out.
fn read_dataset(inputs: &[PathBuf]) -> anyhow::Result<Dataset> {
    match motcua::bundle::read_sources(inputs, &mut ()) {
        Ok((ds, _)) => return Ok(ds),
        Err(e) => eprintln!("reading all sources failed ({e}); reading them one by one"),
    }
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            for entry in std::fs::read_dir(input)? {
                files.push(entry?.path());
            }
        } else {
            files.push(input.clone());
        }
    }
    files.sort();
    let good: Vec<PathBuf> = files
        .into_iter()
        .filter(
            |f| match motcua::bundle::read_sources(std::slice::from_ref(f), &mut ()) {
                Ok(_) => true,
                Err(e) => {
                    eprintln!("left out {}: {e}", f.display());
                    false
                }
            },
        )
        .collect();
    Ok(motcua::bundle::read_sources(&good, &mut ())?.0)
}

struct Shots {
    out: PathBuf,
    count: usize,
}

impl Shots {
    /// One tall render cut into screen-high parts, to read a whole page.
    fn take_tall(
        &mut self,
        window: &MainWindow,
        name: &str,
        size: (u32, u32),
    ) -> anyhow::Result<()> {
        const PART: u32 = 1800;
        let rgba = ui::screenshot::snapshot(window, size)?;
        let (w, h) = (rgba.width(), rgba.height());
        let row = w as usize * 4;
        for (i, top) in (0..h).step_by(PART as usize).enumerate() {
            let rows = PART.min(h - top);
            let bytes = &rgba.as_bytes()[top as usize * row..(top + rows) as usize * row];
            let png = ui::screenshot::encode_png(w, rows, bytes)?;
            let path = self.out.join(format!("{name}-part{}.png", i + 1));
            std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
            self.count += 1;
        }
        Ok(())
    }

    fn take(&mut self, window: &MainWindow, name: &str) -> anyhow::Result<()> {
        for (suffix, size) in [("landscape", LANDSCAPE), ("portrait", PORTRAIT)] {
            let png = ui::screenshot::render(window, size)?;
            let path = self.out.join(format!("{name}-{suffix}.png"));
            std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
            self.count += 1;
        }
        Ok(())
    }
}

fn rows(ds: &Dataset, keep: impl Fn(&Procedure) -> bool) -> Vec<ProcedureRow> {
    let mut rows: Vec<ProcedureRow> = ds
        .procedures
        .iter()
        .filter(|p| keep(p))
        .map(ProcedureRow::from_procedure)
        .collect();
    rows.sort_by(|a, b| {
        b.has_detail
            .cmp(&a.has_detail)
            .then(a.name.len().cmp(&b.name.len()))
    });
    rows.truncate(40);
    rows
}

fn field_counts(ds: &Dataset) -> Vec<FieldCount> {
    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
    for p in &ds.procedures {
        for f in &p.fields {
            *counts.entry(f.as_str()).or_default() += 1;
        }
    }
    let mut v: Vec<FieldCount> = counts
        .into_iter()
        .map(|(name, count)| FieldCount {
            name: name.to_string(),
            count,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    v
}

/// Everything that does not depend on what the citizen does.
fn fill_static(window: &MainWindow, ds: &Dataset, config: &Config) -> anyhow::Result<()> {
    let by_code = |code: &str| ds.procedures.iter().find(|p| p.code == code);
    let popular: Vec<ProcedureRow> = ds
        .featured
        .iter()
        .filter_map(|c| by_code(c))
        .take(6)
        .map(ProcedureRow::from_procedure)
        .collect();
    let fields = field_counts(ds);
    let h = window.global::<HomeAdapter>();
    h.set_popular(ui::procedure_items(popular.iter()));
    h.set_life_events(model(
        ds.life_events.iter().map(ui::life_event_item).collect(),
    ));
    h.set_fields(model(fields.iter().take(9).map(ui::field_item).collect()));
    h.set_field_total(i32::try_from(fields.len())?);
    let m = motcua::qr::encode(&config.portal.lookup_url)?;
    h.set_lookup_qr(ui::qr_image(m.size, &m.modules, 1));
    h.set_lookup_url(config.portal.lookup_url.as_str().into());

    let b = window.global::<BrowseAdapter>();
    b.set_fields(model(fields.iter().map(ui::field_item).collect()));
    b.set_life_events(model(
        ds.life_events.iter().map(ui::life_event_item).collect(),
    ));

    window
        .global::<HotlinesAdapter>()
        .set_hotlines(model(ds.hotlines.iter().map(ui::hotline_item).collect()));
    window
        .global::<GuidesAdapter>()
        .set_guides(model(ds.guides.iter().map(ui::guide_item).collect()));
    Ok(())
}

fn choose_field(window: &MainWindow, ds: &Dataset, field: &str) {
    let b = window.global::<BrowseAdapter>();
    b.set_tab(BrowseTab::Fields);
    b.set_selected_key(field.into());
    b.set_selected_label(field.into());
    let n = ds
        .procedures
        .iter()
        .filter(|p| p.fields.iter().any(|f| f == field))
        .count();
    b.set_selected_count(i32::try_from(n).unwrap_or(i32::MAX));
    b.set_procedures(ui::procedure_items(
        rows(ds, |p| p.fields.iter().any(|f| f == field)).iter(),
    ));
}

/// Byte ranges of `name` where the folded query words start a folded word.
fn naive_highlights(name: &str, words: &[String]) -> Vec<std::ops::Range<usize>> {
    let chars: Vec<(usize, char)> = name
        .char_indices()
        .map(|(i, c)| (i, text::fold_char(c)))
        .collect();
    let mut ranges = Vec::new();
    for w in words {
        let w: Vec<char> = w.chars().collect();
        for start in 0..chars.len() {
            let at_word_start = start == 0 || !chars[start - 1].1.is_alphanumeric();
            if !at_word_start || start + w.len() > chars.len() {
                continue;
            }
            if chars[start..start + w.len()]
                .iter()
                .map(|c| c.1)
                .eq(w.iter().copied())
            {
                let end = chars.get(start + w.len()).map_or(name.len(), |c| c.0);
                ranges.push(chars[start].0..end);
            }
        }
    }
    ranges
}

/// A plain substring search over folded names, shaped as the engine's answer and shown through
/// the same `ui::search::show_search` the kiosk uses.
fn fill_search(window: &MainWindow, ds: &Dataset, query: &str) {
    window.global::<SearchAdapter>().set_query(query.into());
    let words: Vec<String> = text::fold(query)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut hits: Vec<&Procedure> = if words.is_empty() {
        Vec::new()
    } else {
        ds.procedures
            .iter()
            .filter(|p| {
                let name = text::fold(&p.name);
                words.iter().all(|w| name.contains(w.as_str()))
            })
            .collect()
    };
    hits.sort_by(|a, b| {
        b.has_detail()
            .cmp(&a.has_detail())
            .then(a.name.len().cmp(&b.name.len()))
    });
    let mut fields: BTreeMap<&str, u32> = BTreeMap::new();
    let mut levels: BTreeMap<Level, u32> = BTreeMap::new();
    for p in &hits {
        for f in &p.fields {
            *fields.entry(f.as_str()).or_default() += 1;
        }
        for l in &p.levels {
            *levels.entry(*l).or_default() += 1;
        }
    }
    let mut fields: Vec<(String, u32)> = fields
        .into_iter()
        .map(|(f, n)| (f.to_string(), n))
        .collect();
    fields.sort_by_key(|f| std::cmp::Reverse(f.1));
    let hotlines: Vec<HotlineHit> = if words.is_empty() {
        Vec::new()
    } else {
        ds.hotlines
            .iter()
            .filter(|h| {
                let t = text::fold(&format!("{} {} đường dây nóng tổng đài", h.name, h.purpose));
                words.iter().all(|w| t.contains(w.as_str()))
            })
            .map(|h| HotlineHit {
                hotline: h.clone(),
                score: 1.0,
                snippet: Snippet::default(),
            })
            .collect()
    };
    let nothing = hits.is_empty() && hotlines.is_empty() && !words.is_empty();
    let results = Results {
        total: hits.len(),
        procedures: hits
            .iter()
            .take(30)
            .map(|p| Hit {
                code: p.code.clone(),
                name: p.name.clone(),
                score: 1.0,
                snippet: Snippet {
                    name: Highlighted {
                        text: p.name.clone(),
                        ranges: naive_highlights(&p.name, &words),
                    },
                    excerpt: None,
                },
                has_detail: p.has_detail(),
                fields: p.fields.clone(),
                levels: p.levels.clone(),
                online: p.online(),
                exact_code: false,
                variants: Vec::new(),
            })
            .collect(),
        hotlines,
        facets: Facets {
            fields,
            levels: levels.into_iter().collect(),
            online: u32::try_from(hits.iter().filter(|p| p.online()).count()).unwrap_or(0),
        },
        relaxed: nothing.then(|| Relaxation {
            typo: true,
            any_word: true,
            ..Default::default()
        }),
        suggestions: ["khai sinh", "căn cước", "thường trú", "kết hôn"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ..Default::default()
    };
    let outcome = SearchOutcome {
        request: SearchRequest {
            text: query.to_string(),
            ..Default::default()
        },
        results,
    };
    ui::search::show_search(window, &outcome);
}

fn show_procedure(
    window: &MainWindow,
    ds: &Dataset,
    config: &Config,
    code: &str,
    counter: Option<&str>,
) -> anyhow::Result<()> {
    let p = ds
        .procedures
        .iter()
        .find(|p| p.code == code)
        .with_context(|| format!("procedure {code} is not in the corpus"))?;
    let link = p.portal_link(&config.portal.procedure_base, &config.portal.search_url);
    let view = ProcedureView::new(p, link, counter.map(str::to_string));
    let m = motcua::qr::encode(&view.link.url)?;
    ui::show_procedure(window, &view, ui::qr_image(m.size, &m.modules, 1));
    Ok(())
}

/// The staff screen (PIN, status, a refusal, a refresh, the result) and the rating dialog.
fn staff_and_rating(
    window: &MainWindow,
    shell: &Shell,
    shots: &mut Shots,
    ds: &Dataset,
) -> anyhow::Result<()> {
    use motcua::app::kiosk::{Kiosk as AppKiosk, Origin, Stage};
    use motcua::app::usage::{Rating, Recorder};
    use motcua::bundle::{self, package, sign};
    use motcua::ui::{RatingAdapter, RatingStep, StaffAdapter};

    let tmp = tempfile::tempdir().context("a temporary folder")?;
    // A real kiosk with the built-in data and a PIN, as an office would configure it.
    let mut config = Config::default();
    config.staff.pin_hash =
        motcua::app::staff::hash_pin("2468").map_err(|e| anyhow::anyhow!("hash the PIN: {e}"))?;
    let usb_folder = config.updates.usb_folder.clone();
    eprintln!("opening a kiosk on the built-in data …");
    let kiosk = AppKiosk::open(&tmp.path().join("data"), config).context("open a kiosk")?;

    // A few visits through the real search engine and the real recorder: the statistics the
    // staff page shows are these.
    let recorder = Recorder::new(true);
    for (query, rating, reason) in [
        ("khai sinh", Rating::VerySatisfied, None),
        ("đăng ký thường trú", Rating::Satisfied, None),
        ("cấp đổi căn cước", Rating::Neutral, None),
        (
            "xin giấy phép nuôi rồng",
            Rating::Dissatisfied,
            Some("Không tìm thấy thủ tục"),
        ),
        ("khai sinh", Rating::Satisfied, None),
    ] {
        recorder.touch(&kiosk);
        let out = kiosk.search(&SearchRequest {
            text: query.into(),
            limit: 10,
            ..Default::default()
        })?;
        recorder.query_typed(query, out.results.total as u64);
        let code = out.results.procedures.first().map(|h| h.code.clone());
        if let Some(code) = &code {
            recorder.viewed(&kiosk, code);
        }
        recorder.rated(&kiosk, rating, reason, code.as_deref());
        recorder.end_visit(&kiosk);
    }

    // A USB stick with a bundle one version newer, built from the corpus, and a damaged file.
    let media = tmp.path().join("media");
    let folder = media.join("USB-KINGSTON").join(&usb_folder);
    let version = kiosk.live().meta.version + 1;
    let built = package::build(
        ds,
        None,
        &package::WriteOptions {
            version,
            created: chrono::Utc::now(),
            expires: None,
            publisher: "ui_preview (gói thử của bản xem trước)".into(),
            description: "Built by examples/ui_preview.rs".into(),
        },
    )?;
    let bundle_dir = folder.join(format!("du-lieu-{version}"));
    built.write_dir(&bundle_dir)?;
    std::fs::write(folder.join("ban-sao-hong.zip"), b"not a zip archive")?;
    let usb = motcua::app::refresh::scan(std::slice::from_ref(&media), &usb_folder, "");

    let sa = window.global::<StaffAdapter>();
    // The PIN pad, empty, then after a wrong PIN.
    shell.navigate(Page::Staff);
    shots.take(window, "staff-pin")?;
    ui::staff::show_pin_result(window, &kiosk.check_staff_pin("1111"));
    shots.take(window, "staff-pin-wrong")?;
    // Digits typed on the pad (through its accessibility actions): dots, never the digits.
    for label in ["2", "4", "6"] {
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(window, label)
            .next()
            .with_context(|| format!("the PIN key {label}"))?
            .invoke_accessible_default_action();
    }
    shots.take(window, "staff-pin-digits")?;
    ui::staff::show_pin_result(window, &kiosk.check_staff_pin("2468"));
    anyhow::ensure!(sa.get_unlocked(), "the right PIN unlocks");

    // Unlocked: the status as the kiosk reports it.
    ui::staff::show_staff_status(window, &kiosk.staff_status(usb.clone())?);
    shots.take(window, "staff")?;
    window.global::<Theme>().set_large_text(true);
    shots.take(window, "staff-large-text")?;
    window.global::<Theme>().set_large_text(false);
    window.global::<Theme>().set_high_contrast(true);
    shots.take(window, "staff-high-contrast")?;
    window.global::<Theme>().set_high_contrast(false);
    shots.take_tall(window, "staff-full", (1080, 3400))?;
    // "Áp dụng" on the bundle asks first.
    if let Some(b) = usb.iter().find(|b| b.problem.is_none()) {
        sa.set_confirm_path(b.path.display().to_string().into());
        sa.set_confirm_version(b.version.unwrap_or_default().to_string().into());
        sa.set_confirm(motcua::ui::ConfirmKind::ApplyUsb);
        shots.take(window, "staff-confirm-usb")?;
        sa.set_confirm(motcua::ui::ConfirmKind::None);
    }

    // Applying the unsigned bundle: refused, with the app's reason.
    eprintln!("applying the unsigned bundle …");
    match kiosk.apply_bundle(&bundle_dir, &[], Origin::Usb, &mut |_| {}) {
        Ok(_) => anyhow::bail!("an unsigned bundle was applied"),
        Err(e) => ui::staff::show_result(window, false, &e.to_string()),
    }
    ui::staff::show_staff_status(window, &kiosk.staff_status(usb.clone())?);
    shots.take(window, "staff-refused")?;

    // Signed with a throw-away key: applied; the preview shows a stage the apply went through.
    let keys = tmp.path().join("keys");
    std::fs::create_dir_all(&keys)?;
    let public = sign::keygen(&keys.join("preview.pub"), &keys.join("preview.key"))?;
    let secret = sign::read_secret_key(&keys.join("preview.key"), None)?;
    std::fs::write(
        bundle_dir.join(bundle::SIGNATURE),
        sign::sign(&secret, &built.manifest_bytes, "ui_preview")?,
    )?;
    eprintln!("applying the signed bundle …");
    let mut stages = Vec::new();
    let meta = kiosk.apply_bundle(&bundle_dir, &[public], Origin::Usb, &mut |st| {
        stages.push(st)
    })?;
    let storing: Vec<Stage> = stages
        .iter()
        .copied()
        .filter(|s| matches!(s, Stage::Storing { .. }))
        .collect();
    let middle = storing
        .get(storing.len() / 2)
        .copied()
        .unwrap_or(Stage::Indexing);
    ui::staff::show_progress(window, middle);
    shots.take(window, "staff-progress")?;
    ui::staff::show_applied(window, meta.version, "");
    ui::staff::show_staff_status(window, &kiosk.staff_status(usb)?);
    shots.take(window, "staff-applied")?;
    sa.set_confirm(motcua::ui::ConfirmKind::Rollback);
    sa.set_confirm_version(sa.get_previous_version());
    shots.take(window, "staff-confirm-rollback")?;
    shell.home();
    // The page's change handler runs with the event loop.
    slint::platform::update_timers_and_animations();
    anyhow::ensure!(!sa.get_unlocked(), "leaving the staff page locks it");

    // The rating: four faces, the reason for "Không hài lòng", the thanks.
    shell.navigate(Page::Rating);
    ui::rating::show_rating(window);
    shots.take(window, "rating")?;
    let ra = window.global::<RatingAdapter>();
    ra.set_step(RatingStep::Reason);
    ra.set_reason(motcua::ui::rating::REASONS[1].into());
    shots.take(window, "rating-reason")?;
    window.global::<Theme>().set_large_text(true);
    shots.take(window, "rating-reason-large-text")?;
    window.global::<Theme>().set_large_text(false);
    ui::rating::show_rating(window);
    window.global::<Kiosk>().invoke_set_language("en".into());
    shots.take(window, "rating-english")?;
    window.global::<Kiosk>().invoke_set_language("vi".into());
    // The thanks goes home after 3 s of real time: shown again before each picture.
    for (suffix, size) in [("landscape", LANDSCAPE), ("portrait", PORTRAIT)] {
        shell.navigate(Page::Rating);
        ui::rating::show_thanks(window);
        let png = ui::screenshot::render(window, size)?;
        anyhow::ensure!(
            window.global::<Kiosk>().get_page() == Page::Rating,
            "the thanks left too early"
        );
        let path = shots.out.join(format!("rating-thanks-{suffix}.png"));
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        shots.count += 1;
    }
    shell.home();
    Ok(())
}
