#![allow(dead_code)]
pub mod project;
pub mod smtp;
