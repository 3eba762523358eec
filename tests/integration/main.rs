//! The integration tests, in one binary (so the crate is linked once, not
//! once per file): one module per feature, the shared helpers in
//! [`support`]. Most tests run the real binary as a process on a throwaway
//! project ([`support::project::Project`]); SMTP tests talk over TCP to
//! [`support::smtp::Server`]. Snapshots are in `snapshots/`, named
//! `integration__<module>__<name>.snap`.
//!
//! Tests run on parallel threads of this one process, so none of them may
//! change process-wide state (environment variables, the current folder):
//! each sets what it needs on the `Command` it runs, and every server
//! listens on a port of its own (`127.0.0.1:0`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod bounces;
mod cli;
mod concurrent;
mod faults;
mod feed;
mod feeds;
mod invalid;
mod kill_resume;
mod languages;
mod ops;
mod preview;
mod publish;
mod robust;
mod schedule_history;
mod season;
mod security;
mod send;
mod serve;
mod smtp;
