//! Investigator outputs: the HTML case report, goAML XML, and `explain`.

mod common;

use common::*;
use flowhound::export::rows::{EvidenceRow, LeadRow};

fn analyzed(extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let mut args: Vec<String> =
        vec!["analyze".into(), s(&fixture("sample")).to_owned(), "--out".into(), s(out.path()).to_owned()];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(|a| a.as_str()).collect();
    ok(&args);
    out
}

#[test]
fn report_is_self_contained_and_draws_every_top_lead() {
    let out = analyzed(&["--report"]);
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let leads: Vec<LeadRow> = typed(&out.path().join("leads.csv"));
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert_eq!(html.matches("<svg").count(), leads.len().min(10), "one drawing per top lead");
    // The top leads are drawn (report.top_leads = 10); the rest are in the table.
    for l in leads.iter().take(10) {
        assert!(html.contains(&format!("id=\"{}\"", l.lead_id)), "{} has a section", l.lead_id);
    }
    // Opens offline: no scripts, no external resources.
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href=\"http"));
    assert!(html.contains("offshore_layer") && html.contains("collector"), "roles are labelled");
}

/// Names of `node`'s element children, in order.
fn children<'a>(node: roxmltree::Node<'a, 'a>) -> Vec<&'a str> {
    node.children().filter(|c| c.is_element()).map(|c| c.tag_name().name()).collect()
}

/// True when `got` lists elements in the order of `schema` (optional ones may be absent).
fn in_schema_order(got: &[&str], schema: &[&str]) -> bool {
    let mut k = 0;
    for g in got {
        while k < schema.len() && schema[k] != *g {
            k += 1;
        }
        if k == schema.len() {
            return false;
        }
        if !g.ends_with("transaction") {
            k += 1;
        }
    }
    true
}

#[test]
fn goaml_reports_parse_and_follow_the_schema_order() {
    let out = analyzed(&["--goaml-draft"]);
    let leads: Vec<LeadRow> = typed(&out.path().join("leads.csv"));
    let report_order = [
        "rentity_id",
        "rentity_branch",
        "submission_code",
        "report_code",
        "entity_reference",
        "fiu_ref_number",
        "submission_date",
        "currency_code_local",
        "reporting_person",
        "location",
        "reason",
        "action",
        "transaction",
        "report_indicators",
    ];
    let tx_order = [
        "transactionnumber",
        "internal_ref_number",
        "transaction_location",
        "transaction_description",
        "date_transaction",
        "teller",
        "authorized",
        "late_deposit",
        "date_posting",
        "value_date",
        "transmode_code",
        "transmode_comment",
        "amount_local",
        "t_from_my_client",
        "t_from",
        "t_to_my_client",
        "t_to",
    ];
    let from_order = [
        "from_funds_code",
        "from_funds_comment",
        "from_foreign_currency",
        "from_account",
        "from_person",
        "from_entity",
        "from_country",
    ];
    let account_order = [
        "institution_name",
        "institution_code",
        "swift",
        "non_bank_institution",
        "branch",
        "account",
        "currency_code",
    ];
    // One report per top lead (goaml.top_leads = 10).
    for l in leads.iter().take(10) {
        let xml =
            std::fs::read_to_string(out.path().join("goaml").join(format!("{}.xml", l.lead_id))).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{}: {e}", l.lead_id));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "report");
        let top = children(root);
        assert!(in_schema_order(&top, &report_order), "{top:?}");
        let txs: Vec<_> = root.children().filter(|c| c.has_tag_name("transaction")).collect();
        let evidence: Vec<EvidenceRow> = typed(&out.path().join("lead_evidence.csv"));
        let proving: std::collections::BTreeSet<&str> =
            evidence.iter().filter(|e| e.lead_id == l.lead_id).map(|e| e.transfer_id.as_str()).collect();
        assert_eq!(txs.len(), proving.len(), "every proving transfer is reported once");
        for tx in txs {
            assert!(in_schema_order(&children(tx), &tx_order), "{:?}", children(tx));
            let from = tx.children().find(|c| c.has_tag_name("t_from")).unwrap();
            assert!(in_schema_order(&children(from), &from_order), "{:?}", children(from));
            let acc = from.children().find(|c| c.has_tag_name("from_account")).unwrap();
            assert!(in_schema_order(&children(acc), &account_order), "{:?}", children(acc));
        }
        let indicators = root.children().find(|c| c.has_tag_name("report_indicators")).unwrap();
        assert!(children(indicators).iter().all(|c| *c == "indicator"));
    }
}

#[test]
fn explain_reads_like_a_case_summary() {
    let out = analyzed(&[]);
    let leads: Vec<LeadRow> = typed(&out.path().join("leads.csv"));
    for l in &leads {
        let run = ok(&["explain", s(out.path()), "--lead", l.lead_id.as_str()]);
        let t = text(&run);
        for part in ["WHO", "WHAT", "WHEN", "WHERE", "WHY", "HOW", "EVIDENCE"] {
            assert!(t.contains(part), "{}: no {part}: {t}", l.lead_id);
        }
        let evidence: Vec<EvidenceRow> = typed(&out.path().join("lead_evidence.csv"));
        let first = evidence.iter().filter(|e| e.lead_id == l.lead_id).min_by_key(|e| e.timestamp).unwrap();
        assert!(t.contains(first.transfer_id.as_str()), "the first proving transfer is listed");
    }
    let run = flowhound(&["explain", s(out.path()), "--lead", "L999999"]);
    assert_eq!(code(&run), 2);
    assert!(text(&run).contains("no lead `L999999`"));
}

#[test]
fn report_renders_in_headless_chromium_when_available() {
    let chromium = std::path::Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        eprintln!("skipped: /usr/bin/chromium is not installed (apt-get install chromium)");
        return;
    }
    let out = analyzed(&["--report"]);
    let png = out.path().join("report.png");
    let profile = out.path().join("profile");
    let status = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1200,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", out.path().join("report.html").display()))
        .output()
        .unwrap();
    assert!(png.exists(), "chromium wrote no screenshot: {}", String::from_utf8_lossy(&status.stderr));
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000, "a rendered page, not a blank one");
}

#[test]
fn an_output_folder_holds_one_run() {
    let out = tempfile::tempdir().unwrap();
    let o = s(out.path());
    ok(&["analyze", s(&fixture("sample")), "--out", o, "--report"]);
    assert!(out.path().join("report.html").is_file());
    // A run without --report leaves no report of the earlier one.
    ok(&["analyze", s(&fixture("sample")), "--out", o]);
    assert!(!out.path().join("report.html").exists(), "stale report.html removed");
    // trace beside it keeps its own rejects; analyze's stay.
    ok(&["trace", s(&fixture("sample")), "--seeds", s(&fixture("sample/seeds.csv")), "--out", o]);
    assert!(out.path().join("trace_rejects.csv").is_file() && out.path().join("rejects.csv").is_file());
    assert!(out.path().join("leads.csv").is_file(), "trace leaves analyze's files alone");
    // A failed run replaces the leads with its rejects and a run.json that says why.
    let failed = flowhound(&["analyze", s(&fixture("bad/bad_amount")), "--out", o]);
    assert_eq!(code(&failed), 1, "{}", text(&failed));
    assert!(!out.path().join("leads.csv").exists(), "no stale leads beside a failed run");
    assert!(out.path().join("rejects.csv").is_file());
    let run_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("run.json")).unwrap()).unwrap();
    assert_eq!(run_json["status"], "failed");
    assert!(run_json["error"].as_str().unwrap().contains("max-reject-ratio"));
    assert!(out.path().join("trace_summary.csv").is_file(), "trace's files are not analyze's to remove");
}

#[test]
fn a_folder_flowhound_did_not_make_is_refused() {
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("thesis.docx"), "years of work").unwrap();
    let run = flowhound(&["analyze", s(&fixture("sample")), "--out", s(out.path())]);
    assert_eq!(code(&run), 2, "{}", text(&run));
    assert!(text(&run).contains("thesis.docx"), "{}", text(&run));
    assert_eq!(std::fs::read_to_string(out.path().join("thesis.docx")).unwrap(), "years of work");
}

#[test]
fn every_hit_reason_is_readable() {
    let out = analyzed(&[]);
    let leads: Vec<LeadRow> = typed(&out.path().join("leads.csv"));
    let hits: Vec<flowhound::export::rows::LeadHitRow> = typed(&out.path().join("lead_hits.csv"));
    let top = &leads[0];
    let mine: Vec<_> = hits.iter().filter(|h| h.lead_id == top.lead_id).collect();
    assert!(!mine.is_empty());
    assert!(mine.windows(2).all(|w| w[0].strength >= w[1].strength), "strongest first");
    let t = text(&ok(&["explain", s(out.path()), "--lead", top.lead_id.as_str()]));
    for h in &mine {
        assert!(t.contains(h.reason.as_str()), "explain prints every reason: {}", h.reason);
    }
}

#[test]
fn goaml_is_not_filed_half_filled() {
    let out = tempfile::tempdir().unwrap();
    let run = flowhound(&["analyze", s(&fixture("sample")), "--out", s(out.path()), "--goaml"]);
    assert_eq!(code(&run), 2, "{}", text(&run));
    assert!(text(&run).contains("rentity_id") && text(&run).contains("--goaml-draft"), "{}", text(&run));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("fiu.toml");
    std::fs::write(
        &cfg,
        "[goaml]\nrentity_id = \"4711\"\nreporting_person_email = \"mlro@bank.test\"\nlocation_city = \"Vaduz\"\n",
    )
    .unwrap();
    ok(&["analyze", s(&fixture("sample")), "--out", s(out.path()), "--goaml", "--config", s(&cfg)]);
    let top: Vec<LeadRow> = typed(&out.path().join("leads.csv"));
    let xml = std::fs::read_to_string(out.path().join(format!("goaml/{}.xml", top[0].lead_id))).unwrap();
    assert!(xml.contains("<rentity_id>4711</rentity_id>") && !xml.contains("DRAFT"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let today = flowhound::units::format_date(now);
    assert!(xml.contains(&format!("<submission_date>{today}T00:00:00</submission_date>")), "{xml}");
}

#[test]
fn leads_filters_and_sorts_an_output_folder() {
    let out = analyzed(&[]);
    let o = s(out.path());
    let all: Vec<LeadRow> = typed(&out.path().join("leads.csv"));
    let csv = ok(&["leads", o, "--pattern", "OS1", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(&csv.stdout[..]);
    let picked: Vec<LeadRow> = r.deserialize().map(|x| x.unwrap()).collect();
    let want: Vec<&LeadRow> =
        all.iter().filter(|l| l.patterns.items().contains(&flowhound::Pattern::Os1)).collect();
    assert_eq!(picked.len(), want.len());
    assert!(!picked.is_empty() && picked.iter().zip(&want).all(|(a, b)| a.lead_id == b.lead_id));
    let json = ok(&["leads", o, "--sort", "amount", "--format", "json", "--limit", "3"]);
    let amounts: Vec<f64> = String::from_utf8(json.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["total_amount_base"].as_f64().unwrap())
        .collect();
    assert_eq!(amounts.len(), 3);
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "{amounts:?}");
    assert_eq!(code(&flowhound(&["leads", o, "--pattern", "UB9"])), 2);
}

#[test]
fn the_report_has_a_legend_of_the_pattern_codes() {
    let out = analyzed(&["--report"]);
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let leads: Vec<LeadRow> = typed(&out.path().join("leads.csv"));
    assert!(html.contains("Pattern codes"));
    // Every lead in the table has a section its link reaches.
    for l in leads.iter().take(200) {
        assert!(html.contains(&format!("id=\"{}\"", l.lead_id)), "{} has a section", l.lead_id);
    }
    for p in leads.iter().flat_map(|l| l.patterns.items()) {
        assert!(html.contains(&format!("<tr><td>{}</td><td>", p.code())), "{p} is in the legend");
    }
}

#[test]
fn excel_workbook_holds_the_lead_files_with_real_numbers_and_dates() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let out = analyzed(&["--excel"]);
    let mut book: Xlsx<_> = open_workbook(out.path().join("leads.xlsx")).expect("leads.xlsx opens");
    assert_eq!(
        book.sheet_names(),
        ["leads", "lead_accounts", "lead_hits", "lead_transfers", "lead_evidence"]
    );
    for name in book.sheet_names() {
        let sheet = book.worksheet_range(&name).unwrap();
        let csv = rows(&out.path().join(format!("{name}.csv")));
        assert_eq!(sheet.height(), csv.len() + 1, "{name}: one row per CSV row, and the header");
    }
    let leads = book.worksheet_range("leads").unwrap();
    let header: Vec<String> = leads.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let csv: Vec<LeadRow> = typed(&out.path().join("leads.csv"));
    let first = leads.rows().nth(1).unwrap();
    assert_eq!(first[col("lead_id")], Data::String(csv[0].lead_id.0.clone()));
    assert_eq!(first[col("score")], Data::Float(csv[0].score.0));
    assert!(matches!(first[col("first_seen")], Data::DateTime(_)), "{:?}", first[col("first_seen")]);
    // Without --excel, no workbook, and an earlier one is gone.
    let again = ok(&["analyze", s(&fixture("sample")), "--out", s(out.path())]);
    assert!(again.status.success() && !out.path().join("leads.xlsx").exists());
}

#[test]
fn evidence_carries_each_transfers_memo_and_holder_names() {
    let out = analyzed(&[]);
    let evidence: Vec<EvidenceRow> = typed(&out.path().join("lead_evidence.csv"));
    let memos: std::collections::HashMap<String, String> =
        rows(&fixture("sample/transfers.csv")).into_iter().map(|r| (r[0].clone(), r[7].clone())).collect();
    assert!(evidence.iter().any(|e| !e.memo.as_str().is_empty()), "the sample's memos reach the evidence");
    assert!(
        evidence
            .iter()
            .all(|e| !e.src_holder_name.as_str().is_empty() && !e.dst_holder_name.as_str().is_empty()),
        "the sample names every holder, and the evidence shows the names beside the ids"
    );
    for e in &evidence {
        assert_eq!(e.memo.as_str(), memos[e.transfer_id.as_str()], "{}", e.transfer_id.as_str());
    }
}
