//! One controller per page: it copies the page's `app` view into the page's adapter global and
//! binds the page's callbacks. [`home::show_data`] fills every page that shows the data itself
//! (at start and after a refresh).

pub mod aloud;
pub mod browse;
pub mod guides;
pub mod help;
pub mod home;
pub mod procedure;
pub mod rating;
pub mod search;
pub mod staff;
