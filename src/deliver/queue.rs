//! The engine's queue entries: a delivery to make, ordered by when it is ready.

use std::sync::Arc;
use std::time::Instant;

use super::batch::Batch;
use crate::delivery::Delivery;

pub(super) struct Job {
    pub(super) record: Delivery,
    pub(super) batch: Arc<Batch>,
    /// Not tried yet by this process (a record resumed from the log may have been).
    pub(super) fresh: bool,
}

pub(super) struct Queued {
    pub(super) ready: Instant,
    pub(super) seq: u64,
    pub(super) job: Job,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.ready, self.seq) == (other.ready, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.ready, self.seq).cmp(&(other.ready, other.seq))
    }
}
