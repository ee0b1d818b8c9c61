//! The kiosk window, one test binary: the shell under Slint's testing backend with mock time
//! (`shell`: keyboard, history, idle reset, staff gesture and PIN pad, confirmations, rating),
//! the window bound to a kiosk on real portal data (`kiosk`: searches, filters, codes, lists;
//! `office`: staff screen, USB bundles, rollback, export, rating storage, counters; `help`: the
//! "Gọi cán bộ hỗ trợ" button on every page and its signal; `attract`: the invitation screen; `english`: the English
//! interface around Vietnamese content; `changes`:
//! the change list, "Mới cập nhật", withdrawn codes, the data's age), and frames
//! rendered by the software renderer checked pixel by pixel (`render`: QR codes decode, the
//! header and key buttons are drawn where the layout puts them; `limits`: a procedure with every
//! list at the import bound), a short run of the soak bench (`soak`),
//! issue 11's citizen defects one by one (`citizen`) and its taps per task (`taps`).

#[path = "ui/attract.rs"]
mod attract;
#[path = "ui/changes.rs"]
mod changes;
#[path = "ui/citizen.rs"]
mod citizen;
#[path = "ui/english.rs"]
mod english;
#[path = "ui/help.rs"]
mod help;
#[path = "ui/kiosk.rs"]
mod kiosk;
#[path = "ui/limits.rs"]
mod limits;
#[path = "ui/office.rs"]
mod office;
#[path = "ui/render.rs"]
mod render;
#[path = "ui/shell.rs"]
mod shell;
#[path = "ui/soak.rs"]
mod soak;
#[path = "ui/support.rs"]
mod support;
#[path = "ui/taps.rs"]
mod taps;
