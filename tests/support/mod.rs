#![allow(dead_code)]
pub mod mail;
pub mod project;
pub mod smtp;
