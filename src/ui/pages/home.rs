//! The pages that show the data itself and do not change with what the citizen does: home
//! (most used, life events, fields, the dossier lookup QR), the header's office name, the
//! browse page's groups, the hotlines and counters, the list of guides. Filled at start and
//! after every refresh without touching the page the citizen is on.

use slint::{ComponentHandle, SharedString};

use super::super::convert::{
    group_items, guide_item, hotline_item, int, model, procedure_items, qr, s,
};
use super::super::{
    BrowseAdapter, CounterItem, GuidesAdapter, HomeAdapter, HotlinesAdapter, Kiosk as KioskGlobal,
    MainWindow, StaffAdapter,
};
use crate::app::kiosk::Kiosk;
use crate::app::screen::{ContactView, HomeView};

pub fn show_home(w: &MainWindow, v: &HomeView) {
    let k = w.global::<KioskGlobal>();
    k.set_office_name(s(&v.office.name));
    k.set_office_address(s(&v.office.address));
    k.set_opening_hours(s(&v.office.opening_hours));
    w.global::<StaffAdapter>()
        .set_usb_folder(s(&v.office.usb_folder));

    let home = w.global::<HomeAdapter>();
    home.set_popular(procedure_items(&v.popular));
    home.set_life_events(group_items(&v.life_events));
    home.set_fields(group_items(&v.fields));
    home.set_field_total(int(v.field_total));
    home.set_lookup_url(SharedString::from(v.lookup_url.as_str()));
    home.set_lookup_qr(qr(v.lookup_qr.as_ref()));
    home.set_data_date(s(&v.data_date));
}

pub fn show_contact(w: &MainWindow, v: &ContactView) {
    let h = w.global::<HotlinesAdapter>();
    h.set_hotlines(model(v.hotlines.iter().map(hotline_item).collect()));
    h.set_counters(model(
        v.counters
            .iter()
            .map(|c| CounterItem {
                number: int(c.number),
                location: s(&c.location),
                label: s(&c.label),
                fields: group_items(&c.fields),
            })
            .collect(),
    ));
}

/// The home page's fields again, now that this kiosk's use may have changed them (a new visit).
pub fn refresh_fields(w: &MainWindow, kiosk: &Kiosk) {
    w.global::<HomeAdapter>()
        .set_fields(group_items(&kiosk.home_fields()));
}

/// Fills the pages that show the data itself (at start and after every refresh).
pub fn show_data(w: &MainWindow, kiosk: &Kiosk) {
    match kiosk.home_view() {
        Ok(v) => show_home(w, &v),
        Err(e) => tracing::error!("home page: {e}"),
    }
    let level = crate::domain::Level::parse(&w.global::<BrowseAdapter>().get_level());
    super::browse::show_groups(w, &kiosk.browse_view(level));
    show_contact(w, &kiosk.contact_view());
    w.global::<GuidesAdapter>()
        .set_guides(model(kiosk.guide_rows().iter().map(guide_item).collect()));
}
