//! Progress bars on stderr (indicatif), hidden with --quiet or when stderr is no terminal.

use std::io::IsTerminal;
use std::time::Duration;

use flowhound::progress::{Progress, Stage};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Draws one bar (or spinner) per stage.
pub struct Bars {
    multi: MultiProgress,
    visible: bool,
}

impl Bars {
    pub fn new(quiet: bool) -> Bars {
        let visible = !quiet && std::io::stderr().is_terminal();
        let target = if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        Bars { multi: MultiProgress::with_draw_target(target), visible }
    }
}

struct Bar(ProgressBar);

impl Stage for Bar {
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bars {
    fn stage(&self, name: &str, total: Option<u64>) -> Box<dyn Stage + '_> {
        if !self.visible {
            return Box::new(Bar(ProgressBar::hidden()));
        }
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{msg:>24} [{bar:30}] {human_pos}/{human_len} ({per_sec:0}, eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg:>24} {spinner} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        let bar = self.multi.add(bar);
        bar.set_message(name.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        Box::new(Bar(bar))
    }
}
