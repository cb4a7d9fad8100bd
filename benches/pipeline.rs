//! Criterion benches of each stage on a generated dump made inside the bench (nothing
//! large is committed). `cargo bench` runs them; `cargo bench -- ub1` runs one.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use flowhound::detect::{self, Context};
use flowhound::features::{self, Layout};
use flowhound::generate::{self, OutFormat};
use flowhound::graph::FlowGraph;
use flowhound::ingest::{self, DumpFiles};
use flowhound::progress::Silent;
use flowhound::{leads, Config};

/// Transfers in the bench dump (override with FLOWHOUND_BENCH_TRANSFERS).
fn size() -> usize {
    std::env::var("FLOWHOUND_BENCH_TRANSFERS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000)
}

fn make_dump(dir: &Path, format: OutFormat) {
    let opts = generate::Options {
        out: dir.to_owned(),
        transfers: size(),
        seed: 1,
        format,
        start: 1_704_067_200,
        days: 180,
        cases_per_pattern: None,
        layout: generate::Layout::Native,
        amount_scale: 1.0,
        accounts_scale: 1.0,
    };
    generate::generate(&opts, &Silent).expect("bench dump generates");
}

fn stages(c: &mut Criterion) {
    let config = Config::default_config().expect("default config");
    let csv_dir = tempfile::tempdir().expect("tempdir");
    let pq_dir = tempfile::tempdir().expect("tempdir");
    make_dump(csv_dir.path(), OutFormat::Csv);
    make_dump(pq_dir.path(), OutFormat::Parquet);
    let mut group = c.benchmark_group(format!("{} transfers", size()));
    group.sample_size(10);

    group.bench_function("generate", |b| {
        let out = tempfile::tempdir().expect("tempdir");
        b.iter(|| make_dump(out.path(), OutFormat::Csv))
    });
    for (name, dir) in [("ingest csv", csv_dir.path()), ("ingest parquet", pq_dir.path())] {
        let files = DumpFiles::discover(dir).expect("dump");
        group.bench_function(name, |b| {
            b.iter(|| black_box(ingest::load(&files, &config, &Silent).expect("ingest")))
        });
    }
    let files = DumpFiles::discover(csv_dir.path()).expect("dump");
    let (dump, _) = ingest::load(&files, &config, &Silent).expect("ingest");
    group.bench_function("graph build", |b| b.iter(|| black_box(FlowGraph::build(&dump, &config))));
    let graph = FlowGraph::build(&dump, &config);
    let ctx = Context::new(&graph, &dump, &config);
    for d in detect::registry() {
        group.bench_function(format!("detect {}", d.pattern()), |b| b.iter(|| black_box(d.run(&ctx))));
    }
    let fopts = features::Options {
        window: 86_400,
        max_cycle: 10,
        families: Layout::Flowhound.families(),
        budget: 1_000_000,
        layout: Layout::Flowhound,
    };
    group.bench_function("features 1d", |b| b.iter(|| black_box(features::compute(&graph, &fopts))));
    let gfp = features::Options { families: Layout::Gfp.families(), layout: Layout::Gfp, ..fopts.clone() };
    group.bench_function("features 1d gfp layout", |b| b.iter(|| black_box(features::compute(&graph, &gfp))));
    let (hits, _) = detect::run_all(&ctx, &detect::registry(), &Silent);
    group.bench_function("lead merge", |b| b.iter(|| black_box(leads::build(&hits, &ctx))));
    let built = leads::build(&hits, &ctx);
    let out = tempfile::tempdir().expect("tempdir");
    group.bench_function("export", |b| {
        b.iter(|| {
            flowhound::export::leads_csv::write(out.path(), &built, &graph, &dump, &config.base_currency)
                .expect("export")
        })
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
