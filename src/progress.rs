//! Progress reporting without terminal knowledge: the library announces stages and
//! advances counters; the CLI decides how (or whether) to draw them.

/// Receives progress of long stages.
pub trait Progress: Sync {
    /// A stage starts; `total` is the number of units when known.
    fn stage(&self, name: &str, total: Option<u64>) -> Box<dyn Stage + '_>;
}

/// One running stage.
pub trait Stage: Sync {
    /// `n` more units done.
    fn advance(&self, n: u64);
    /// The stage is over.
    fn finish(&self);
}

/// Progress that draws nothing (tests, `--quiet`, library users).
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

struct SilentStage;

impl Stage for SilentStage {
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

impl Progress for Silent {
    fn stage(&self, _: &str, _: Option<u64>) -> Box<dyn Stage + '_> {
        Box::new(SilentStage)
    }
}
