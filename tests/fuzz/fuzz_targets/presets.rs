//! AMLSim's transactions.csv and AMLworld's *_Trans.csv of any bytes (the first byte picks which).
#![no_main]
mod common;
use flowhound::ingest::presets::Preset;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    if pick % 2 == 0 {
        common::read_as("transactions.csv", rest, Preset::Amlsim);
    } else {
        common::read_as("HI-Small_Trans.csv", rest, Preset::Amlworld);
    }
});
