//! `flowhound trace`: follow the money from known subjects.
//!
//! SEEDS.csv names `account_id` or `holder_id` per row, optionally `case_id`, `start` and
//! `amount`. Writes trace_summary.csv, trace_holdings.csv, trace_paths.csv,
//! trace_flows.csv and trace_jurisdictions.csv to DIR, and prints where the money is now.

use std::path::PathBuf;

use flowhound::analyze::{self, Options};
use flowhound::export::out_dir::{OutputDir, TRACE_FILES};
use flowhound::export::{trace_csv, trace_report};
use flowhound::ingest::parse;
use flowhound::progress::Progress;
use flowhound::trace::{self, engine::amount, seeds, Direction, Rule};
use flowhound::units::fmt_amount;

use super::input::InputArgs;
use super::table;
use super::{say, say_raw};

/// Follow money from seed accounts or holders to where it sits now (or back to its origins).
///
/// Value moves only forward in time: a transfer can carry traced money only if it left
/// after that money arrived. How much each transfer carries follows the allocation rule:
/// proportional (the traced share of the balance), fifo (oldest money first) or lifo
/// (newest first). Value below trace.min_share of the seed value, or beyond the hop
/// limit, is dropped; cash withdrawals and configured sink accounts sink it. Every trace
/// checks that seed value = held + sunk + dropped, to the cent.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Dump folder (or a single transfers file).
    dump: PathBuf,
    /// CSV of seeds: account_id or holder_id, optional case_id, start, amount.
    #[arg(long, value_name = "FILE")]
    seeds: PathBuf,
    /// Output folder.
    #[arg(long, default_value = "out", value_name = "DIR")]
    out: PathBuf,
    /// Follow the money forward (where did it go), backward (where did it come from), or both.
    #[arg(long, value_enum, default_value_t = Direction::Forward)]
    direction: Direction,
    /// How a transfer takes traced money from its sender.
    #[arg(long, value_enum, default_value_t = Rule::Proportional)]
    rule: Rule,
    /// Hops followed from the seeds (default: trace.max_hops in the config).
    #[arg(long)]
    max_hops: Option<u32>,
    /// Earliest transfer followed (timestamp or date).
    #[arg(long)]
    from: Option<String>,
    /// Latest transfer followed (timestamp or date).
    #[arg(long)]
    to: Option<String>,
    /// Also write trace_report.html: each case's flow from seeds to holdings by
    /// jurisdiction, and its largest holdings.
    #[arg(long)]
    report: bool,
    #[command(flatten)]
    input: InputArgs,
}

fn time(flag: &str, v: &Option<String>) -> anyhow::Result<Option<i64>> {
    v.as_ref()
        .map(|t| parse::timestamp(t).map_err(|e| flowhound::Error::Usage(format!("{flag} {t}: {e}")).into()))
        .transpose()
}

pub fn run(args: Args, progress: &dyn Progress) -> anyhow::Result<()> {
    let config = args.input.config()?;
    let (from, to) = (time("--from", &args.from)?, time("--to", &args.to)?);
    let opts =
        Options { rejects_file: "trace_rejects.csv", ..args.input.options(args.dump, args.out.clone()) };
    let dir = OutputDir::begin(&args.out, &TRACE_FILES)?;
    let loaded = match analyze::load_into(&opts, dir.path(), &config, progress) {
        Ok(l) => l,
        Err(e) => {
            // The rejects of a failed read still reach the output folder.
            dir.commit()?;
            return Err(e.into());
        }
    };
    let (dump, graph) = (&loaded.dump, &loaded.graph);
    let groups = seeds::read(&args.seeds, dump, graph)?;
    let mut sinks: Vec<u32> = Vec::new();
    for id in &config.trace.sink_accounts {
        match dump.accounts.index.get(id.as_str()) {
            Some(&a) => sinks.push(a),
            None if super::quiet() => {}
            None => eprintln!("warning: trace.sink_accounts: `{id}` is not in the dump"),
        }
    }
    sinks.sort_unstable();
    let clock = std::time::Instant::now();
    let stage = progress.stage("trace", None);
    let topts =
        trace::Options { rule: args.rule, direction: args.direction, max_hops: args.max_hops, from, to };
    let traces = trace::run(graph, &groups, &topts, &config, &sinks);
    stage.finish();
    let traced_in = clock.elapsed();
    trace_csv::write(dir.path(), &traces, args.rule, graph, dump)?;
    if args.report {
        trace_report::write(
            &dir.path().join("trace_report.html"),
            &traces,
            graph,
            dump,
            &config.base_currency,
        )?;
    }
    dir.commit()?;

    for line in loaded.ingest.reconciliation().into_iter().chain(loaded.ingest.notes()) {
        say!("{line}");
    }
    let mut broken = 0;
    for t in &traces {
        let o = &t.outcome;
        let ok = o.imbalance() == 0;
        broken += usize::from(!ok);
        let dir = if t.direction == Direction::Backward { "backward" } else { "forward" };
        say!(
            "\n{} {dir}: seed {} = held {} + sunk {} + dropped {} (below threshold {}, hop limit {}) {}",
            t.case,
            fmt_cents(o.seed_value),
            fmt_cents(o.total_held()),
            fmt_cents(o.sunk),
            fmt_cents(o.dropped_small + o.dropped_hops),
            fmt_cents(o.dropped_small),
            fmt_cents(o.dropped_hops),
            if ok { "[conserved]" } else { "[NOT CONSERVED]" }
        );
        let rows: Vec<Vec<String>> = trace_csv::by_jurisdiction(t, graph)
            .into_iter()
            .take(8)
            .map(|(c, off, risk, m)| {
                let tags = [(off, "offshore"), (risk, "high-risk")]
                    .iter()
                    .filter(|(b, _)| *b)
                    .map(|(_, s)| *s)
                    .collect::<Vec<_>>()
                    .join(", ");
                vec![
                    c,
                    tags,
                    fmt_amount(amount(m)),
                    format!("{:.1}%", 100.0 * m as f64 / o.seed_value.max(1) as f64),
                ]
            })
            .collect();
        let label = if t.direction == Direction::Backward { "came from" } else { "held in" };
        say_raw!("{}", table::render(&[label, "flags", "amount", "share"], &rows));
    }
    let stages: Vec<String> =
        loaded.stages.iter().map(|(s, ms)| format!("{s} {:.2} s", *ms as f64 / 1000.0)).collect();
    say!(
        "\ntime: {}, trace {:.2} s ({} seed group(s), {} thread(s)); {}",
        stages.join(", "),
        traced_in.as_secs_f64(),
        groups.len(),
        rayon::current_num_threads(),
        trace::lookback(&topts).words()
    );
    for f in TRACE_FILES.iter().filter(|f| args.report || !f.ends_with(".html")) {
        say!("wrote {}", args.out.join(f).display());
    }
    if broken > 0 {
        anyhow::bail!("{broken} trace(s) did not conserve value: this is a bug, please report it");
    }
    Ok(())
}

fn fmt_cents(m: i64) -> String {
    let x = amount(m);
    format!("{}.{:02}", fmt_amount(x.trunc()), ((x.fract() * 100.0).round() as i64).clamp(0, 99))
}
