//! A configuration file of any text: a config or an error naming what is wrong, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = flowhound::Config::with_overrides(text, "fuzz.toml");
    }
});
