//! Unit tests of the 督办 milestone calendar and task standings.
