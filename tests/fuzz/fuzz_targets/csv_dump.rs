//! A native transfers.csv of any bytes.
#![no_main]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| common::read_as("transfers.csv", data, flowhound::ingest::presets::Preset::Native));
