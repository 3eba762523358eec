//! The subscriber list (being split into one file per concept).

mod list;

pub use list::*;
