//! The process's use of memory: how glibc's allocator is set up, and giving back to the
//! system what a large push freed.
//!
//! glibc keeps freed memory in its heaps for reuse and returns only the free space at a
//! heap's top by itself. A push to 100,000 chats frees most of what sled read at start (the
//! pages of every subscription, about 20 MiB, evicted as the push's own pages come in) and
//! allocates again in other threads' heaps: the bot held 73 MiB with 20 MiB in use. Calling
//! `malloc_trim` after each part of a push (every 1,000 messages, 0.3 to 5 ms each) returns
//! the free pages as it goes (README, Performance).

/// Caps glibc's malloc arenas at two. glibc gives threads that allocate heaps of their own
/// ("arenas"), up to eight per core, and keeps what is freed in each: after a push to
/// 100,000 chats the bot held 130 MiB with the default and 100 MiB with two arenas, for the
/// same CPU time. An operator's `MALLOC_ARENA_MAX` wins. Call first thing in `main`, before
/// any other thread exists.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a tunable of the allocator.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// Returns the allocator's free pages to the system.
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's free lists and advises the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}
