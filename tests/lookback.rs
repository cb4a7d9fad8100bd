//! Every detector's declared lookback (run.json) holds on generated dumps: no hit of a
//! detector that declares a bounded span lasts longer than it says.

mod common;

use std::collections::BTreeMap;

use common::*;
use flowhound::export::rows::LeadHitRow;

#[test]
fn no_hit_outlasts_its_detectors_declared_span() {
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for seed in ["21", "22"] {
        let dump = dir.path().join(format!("dump{seed}"));
        let out = dir.path().join(format!("out{seed}"));
        ok(&["generate", "--out", s(&dump), "--transfers", "60000", "--seed", seed, "--randomise", "-q"]);
        ok(&["analyze", s(&dump), "--out", s(&out), "-q"]);
        let run: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
        let mut bound: BTreeMap<String, Option<f64>> = BTreeMap::new();
        for d in run["detectors"].as_array().unwrap() {
            let span = &d["lookback"]["span"];
            let days = match span["kind"].as_str().unwrap() {
                "days" => Some(span["days"].as_f64().unwrap()),
                "unbounded" => {
                    assert!(!span["why"].as_str().unwrap().is_empty(), "{d}");
                    None
                }
                other => panic!("unknown span kind {other}"),
            };
            assert!(!d["lookback"]["reads"].as_array().unwrap().is_empty(), "{d}");
            bound.insert(d["code"].as_str().unwrap().to_owned(), days);
        }
        assert_eq!(bound.len(), 19, "every detector declares a lookback");
        for hit in typed::<LeadHitRow>(&out.join("lead_hits.csv")) {
            let code = hit.pattern.code().to_owned();
            if let Some(days) = bound[&code] {
                let lasted = (hit.last_seen.0 - hit.first_seen.0) as f64 / 86_400.0;
                assert!(
                    lasted <= days + 1e-9,
                    "{code} hit lasted {lasted:.2} days, declared {days}: {}",
                    hit.reason.0
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} hits of bounded detectors to check");
}
