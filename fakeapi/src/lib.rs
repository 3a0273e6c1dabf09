//! A fake Telegram Bot API server for tests (in progress).
