//! `flowhound generate`: deterministic, complete, and scored by `eval`.

mod common;

use common::*;
use flowhound::export::rows::{TruthAccountRow, TruthTransferRow};
use flowhound::Pattern;

/// The columns of the native input schema these tests read (ingest reads the same
/// names; any other column is ignored).
#[derive(serde::Deserialize)]
struct TransferIn {
    transfer_id: String,
    channel: String,
    memo: String,
}

#[derive(serde::Deserialize)]
struct AccountIn {
    country: String,
}

#[test]
fn same_seed_same_bytes_for_any_thread_count() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (threads, dir) in [("1", &a), ("2", &b)] {
        ok(&[
            "--threads",
            threads,
            "generate",
            "--out",
            s(dir.path()),
            "--transfers",
            "120000",
            "--seed",
            "3",
            "-q",
        ]);
    }
    for f in [
        "transfers.csv",
        "accounts.csv",
        "entities.csv",
        "entity_links.csv",
        "fx_rates.csv",
        "truth.csv",
        "truth_accounts.csv",
        "seeds.csv",
    ] {
        assert!(
            std::fs::read(a.path().join(f)).unwrap() == std::fs::read(b.path().join(f)).unwrap(),
            "{f} differs"
        );
    }
    let c = tempfile::tempdir().unwrap();
    flowhound(&["generate", "--out", s(c.path()), "--transfers", "120000", "--seed", "4", "-q"]);
    assert!(
        std::fs::read(a.path().join("transfers.csv")).unwrap()
            != std::fs::read(c.path().join("transfers.csv")).unwrap()
    );
}

#[test]
fn writes_the_exact_count_every_pattern_and_a_believable_world() {
    let dir = tempfile::tempdir().unwrap();
    ok(&["generate", "--out", s(dir.path()), "--transfers", "50000", "--seed", "8", "-q"]);
    let transfers: Vec<TransferIn> = typed(&dir.path().join("transfers.csv"));
    assert_eq!(transfers.len(), 50_000);
    let truth: Vec<TruthAccountRow> = typed(&dir.path().join("truth_accounts.csv"));
    let patterns: std::collections::BTreeSet<&str> = truth.iter().map(|r| r.pattern.as_str()).collect();
    // Every detector's pattern, and the trace cases (TR1).
    for p in Pattern::ALL.iter().map(|p| p.code()).chain(["TR1"]) {
        assert!(patterns.contains(p), "no {p} case injected");
    }
    let accounts: Vec<AccountIn> = typed(&dir.path().join("accounts.csv"));
    let countries: std::collections::BTreeSet<&str> = accounts.iter().map(|r| r.country.as_str()).collect();
    assert!(countries.len() >= 15, "{countries:?}");
    assert!(["VG", "KY"].iter().all(|c| countries.contains(c)));
    let channels: std::collections::BTreeSet<&str> = transfers.iter().map(|r| r.channel.as_str()).collect();
    for ch in ["wire", "card", "cash_deposit", "cash_withdrawal", "fx", "internal"] {
        assert!(channels.contains(ch), "no {ch} transfers");
    }
    let memos: std::collections::BTreeSet<&str> = transfers.iter().map(|r| r.memo.as_str()).collect();
    assert!(memos.contains("salary") && memos.contains("card settlement") && memos.contains("dividend"));
    // Cases are interleaved with normal activity, not appended.
    let truth_ids: std::collections::BTreeSet<String> =
        typed::<TruthTransferRow>(&dir.path().join("truth.csv"))
            .into_iter()
            .map(|r| r.transfer_id.0)
            .collect();
    let positions: Vec<usize> = transfers
        .iter()
        .enumerate()
        .filter(|(_, t)| truth_ids.contains(&t.transfer_id))
        .map(|(i, _)| i)
        .collect();
    assert!(positions.first().unwrap() < &10_000 && positions.last().unwrap() > &40_000);
}

#[test]
fn committed_sample_is_what_generate_makes() {
    // fixtures/sample was written by `generate --transfers 6000 --seed 42`; if the
    // generator changes, regenerate it with that command.
    let dir = tempfile::tempdir().unwrap();
    ok(&["generate", "--out", s(dir.path()), "--transfers", "6000", "--seed", "42", "-q"]);
    for f in [
        "transfers.csv",
        "accounts.csv",
        "entities.csv",
        "entity_links.csv",
        "truth.csv",
        "truth_accounts.csv",
    ] {
        assert!(
            std::fs::read(dir.path().join(f)).unwrap() == std::fs::read(fixture("sample").join(f)).unwrap(),
            "fixtures/sample/{f} is stale: regenerate with `flowhound generate --out fixtures/sample --transfers 6000 --seed 42`"
        );
    }
}

#[test]
fn generate_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("transfers.csv"), "precious").unwrap();
    let run = flowhound(&["generate", "--out", s(dir.path()), "--transfers", "6000", "--seed", "1", "-q"]);
    assert_eq!(code(&run), 2, "{}", text(&run));
    assert!(text(&run).contains("--force"), "{}", text(&run));
    assert_eq!(std::fs::read_to_string(dir.path().join("transfers.csv")).unwrap(), "precious");
    ok(&["generate", "--out", s(dir.path()), "--transfers", "6000", "--seed", "1", "-q", "--force"]);
}

/// A randomised world with few accounts (seed 323 draws x0.36 of them at 30k transfers)
/// may hold fewer people in one country than a group of friends wants: the generator
/// once drew people for that group forever.
#[test]
fn a_small_randomised_world_with_few_people_in_a_country_is_generated() {
    let dump = tempfile::tempdir().unwrap();
    let run =
        ok(&["generate", "--out", s(dump.path()), "--transfers", "30000", "--seed", "323", "--randomise"]);
    assert!(text(&run).contains("accounts x0.36"), "{}", text(&run));
    let transfers = std::fs::read_to_string(dump.path().join("transfers.csv")).unwrap();
    assert!(transfers.lines().count() > 30_000, "{} lines", transfers.lines().count());
}

/// Issue 12's bar on our own generator at a randomised scale: the world's amounts (x0.01
/// to x100), span and accounts (x0.3 to x3) are drawn from the seed, and detection must
/// not care. Seeds 104 and
/// 115 draw dumps of 75 and 76 days that open on a payday and end before the third: their
/// payrolls' first paydays were read as fans (precision 0.65) while staff paid again 30
/// days later still counted as new payees. In seeds 14, 115 and 305 every typology also
/// clears the per-pattern bar (account recall 0.8, precision 0.5); seed 305's
/// random walk among a busy mule's senders was once left to the mule's UB4 hit (random
/// recall 0). In 15 and 104 other cases' accounts, which small worlds reuse, take some
/// fans, gather-scatters and cycles below half precision.
#[test]
fn detection_holds_at_a_randomised_scale() {
    for (seed, every_pattern) in [("14", true), ("15", false), ("104", false), ("115", true), ("305", true)] {
        let dump = tempfile::tempdir().unwrap();
        let run =
            ok(&["generate", "--out", s(dump.path()), "--transfers", "30000", "--seed", seed, "--randomise"]);
        assert!(text(&run).contains("randomised: amounts x"), "{}", text(&run));
        let out = tempfile::tempdir().unwrap();
        ok(&["analyze", s(dump.path()), "--out", s(out.path()), "-q"]);
        ok(&["eval", "--truth", s(&dump.path().join("truth.csv")), "--leads", s(out.path()), "-q"]);
        let scores: Vec<flowhound::export::rows::ScoreRow> = typed(&out.path().join("eval.csv"));
        let any =
            scores.iter().find(|r| r.pattern.as_str() == "ANY" && r.level.as_str() == "account").unwrap();
        assert!(any.recall.0 >= 0.9 && any.precision.0 >= 0.7, "seed {seed}: {any:?}");
        if every_pattern {
            // Trace cases (TR*) are for `trace` to follow, not for analyze to flag.
            for row in scores.iter().filter(|r| {
                r.level.as_str() == "account" && r.truth > 0 && !r.pattern.as_str().starts_with("TR")
            }) {
                assert!(row.recall.0 >= 0.8 && row.precision.0 >= 0.5, "seed {seed}: {row:?}");
            }
        }
    }
}
