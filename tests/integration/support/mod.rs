//! Helpers shared by every integration test module.
pub mod mail;
pub mod project;
pub mod smtp;
