//! Unit tests of the checklist computations.
