//! A native transfers.csv.gz of any bytes (mostly broken streams; seeds are real gzip).
#![no_main]
mod common;
libfuzzer_sys::fuzz_target!(|data: &[u8]| common::read_as("transfers.csv.gz", data, flowhound::ingest::presets::Preset::Native));
