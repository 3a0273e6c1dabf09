//! The console's login links and sessions (SPEC §14), in their own tree `web_logins`,
//! keyed by token. They are not exported: a restore logs everyone out.

use chrono::{DateTime, Utc};

use super::{Result, Store, decode, encode};
use crate::console::session::Login;

const TREE: &str = "web_logins";

impl Store {
    fn logins(&self) -> Result<sled::Tree> {
        Ok(self.db.open_tree(TREE)?)
    }

    /// Stores a link or session under `token`, durably.
    pub fn put_login(&self, token: &str, login: &Login) -> Result<()> {
        self.logins()?.insert(token, encode(login))?;
        self.flush()
    }

    /// The grant of `token`.
    pub fn login(&self, token: &str) -> Result<Option<Login>> {
        self.logins()?
            .get(token)?
            .map(|v| decode(TREE, &v))
            .transpose()
    }

    /// Removes and returns the grant of `token` (a link is used once), durably.
    pub fn take_login(&self, token: &str) -> Result<Option<Login>> {
        let taken = self.logins()?.remove(token)?;
        self.flush()?;
        taken.map(|v| decode(TREE, &v)).transpose()
    }

    /// Forgets the grants expired at `now`.
    pub fn prune_logins(&self, now: DateTime<Utc>) -> Result<usize> {
        let tree = self.logins()?;
        let mut gone = 0;
        for entry in tree.iter() {
            let (key, value) = entry?;
            let login: Login = decode(TREE, &value)?;
            if login.expires <= now {
                tree.remove(key)?;
                gone += 1;
            }
        }
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn a_link_is_taken_once_and_expired_grants_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-03T02:00:00Z")
            .unwrap()
            .to_utc();
        store.put_login("t1", &Login::link(42, now)).unwrap();
        store
            .put_login("s1", &Login::session(42, "c".into(), now))
            .unwrap();
        assert_eq!(store.login("t1").unwrap().map(|l| l.user), Some(42));
        assert!(store.take_login("t1").unwrap().is_some());
        assert!(store.take_login("t1").unwrap().is_none());
        assert_eq!(store.prune_logins(now + Duration::hours(13)).unwrap(), 1);
        assert!(store.login("s1").unwrap().is_none());
    }
}
