//! Group robots ([`crate::robot`]): the `robots` tree, one record per robot by number,
//! and the next number in `meta`. `[[robot]]` entries of `config.toml` are kept in step
//! with the file at each start ([`Store::sync_config_robots`]).

use chrono::{DateTime, Utc};
use sled::transaction::{ConflictableTransactionResult, TransactionalTree};

use super::{Result, Store, StoreError, decode, encode, update_record};
use crate::robot::Robot;

const NEXT_ROBOT: &[u8] = b"next_robot";

fn robot_key(id: i64) -> [u8; 8] {
    id.to_be_bytes()
}

impl Store {
    /// Every robot, by number.
    pub fn robots(&self) -> Result<Vec<Robot>> {
        self.robots
            .iter()
            .values()
            .map(|v| decode("robots", &v?))
            .collect()
    }

    pub fn robot(&self, id: i64) -> Result<Option<Robot>> {
        self.robots
            .get(robot_key(id))?
            .map(|v| decode("robots", &v))
            .transpose()
    }

    /// Stores a new robot under the next number (the `id` given is replaced), flushed.
    pub fn add_robot(&self, mut robot: Robot) -> Result<Robot> {
        let prev = self.meta.fetch_and_update(NEXT_ROBOT, |old| {
            let n = old
                .and_then(|b| b.try_into().ok())
                .map_or(1, i64::from_be_bytes);
            Some((n + 1).to_be_bytes().to_vec())
        })?;
        robot.id = prev
            .and_then(|b| b.as_ref().try_into().ok())
            .map_or(1, i64::from_be_bytes);
        self.robots.insert(robot_key(robot.id), encode(&robot))?;
        self.flush()?;
        Ok(robot)
    }

    /// Changes a robot in one atomic step, flushed; `None` when there is none.
    pub fn update_robot(&self, id: i64, change: impl FnMut(&mut Robot)) -> Result<Option<Robot>> {
        let new = update_record(&self.robots, "robots", &robot_key(id), change)?;
        self.flush()?;
        Ok(new)
    }

    /// Removes a robot, flushed; returns it.
    pub fn remove_robot(&self, id: i64) -> Result<Option<Robot>> {
        let old = self.robots.remove(robot_key(id))?;
        self.flush()?;
        old.map(|v| decode("robots", &v)).transpose()
    }

    /// Keeps the robots of `config.toml` in step with `wanted`: a robot of the file is
    /// matched by its URL; its kind, secret, name, time and days follow the file; a new one
    /// is added (active); one no longer in the file is removed. A robot the webhook revoked
    /// stays inactive while its URL is the same. Returns (added, removed).
    pub fn sync_config_robots(
        &self,
        wanted: &[Robot],
        now: DateTime<Utc>,
    ) -> Result<(usize, usize)> {
        let stored: Vec<Robot> = self
            .robots()?
            .into_iter()
            .filter(|r| r.from_config)
            .collect();
        let (mut added, mut removed) = (0, 0);
        for old in &stored {
            if !wanted.iter().any(|w| w.url == old.url) {
                self.robots.remove(robot_key(old.id))?;
                removed += 1;
            }
        }
        for w in wanted {
            match stored.iter().find(|r| r.url == w.url) {
                Some(old) => {
                    let same = (old.kind, &old.secret, &old.name, old.time, old.days)
                        == (w.kind, &w.secret, &w.name, w.time, w.days);
                    if !same {
                        let mut new = old.clone();
                        (new.kind, new.secret, new.name, new.time, new.days) =
                            (w.kind, w.secret.clone(), w.name.clone(), w.time, w.days);
                        new.changed_at = now;
                        self.robots.insert(robot_key(old.id), encode(&new))?;
                    }
                }
                None => {
                    let mut new = w.clone();
                    (new.from_config, new.active, new.added_at, new.changed_at) =
                        (true, true, now, now);
                    self.add_robot(new)?;
                    added += 1;
                }
            }
        }
        self.flush()?;
        Ok((added, removed))
    }
}

/// Writes imported robots inside the import's transaction. A robot exported without its
/// secrets keeps the URL and secret of the robot stored under its number (same platform);
/// with none to keep, it is stored inactive, for an admin to add its URL again.
pub(super) fn put_robots_in(
    tree: &TransactionalTree,
    meta: &TransactionalTree,
    robots: &[Robot],
) -> ConflictableTransactionResult<(), StoreError> {
    let mut top = 0;
    for r in robots {
        let mut r = r.clone();
        if r.url.is_empty() {
            let kept = match tree.get(robot_key(r.id))? {
                Some(v) => Some(
                    decode::<Robot>("robots", &v)
                        .map_err(sled::transaction::ConflictableTransactionError::Abort)?,
                ),
                None => None,
            };
            match kept.filter(|k| k.kind == r.kind && !k.url.is_empty()) {
                Some(k) => (r.url, r.secret) = (k.url, k.secret),
                None => {
                    r.active = false;
                    r.reason = Some("导入的备份不含网址".into());
                }
            }
        }
        top = top.max(r.id);
        tree.insert(&robot_key(r.id), encode(&r))?;
    }
    let next = meta
        .get(NEXT_ROBOT)?
        .and_then(|b| b.as_ref().try_into().ok())
        .map_or(1, i64::from_be_bytes);
    meta.insert(NEXT_ROBOT, &next.max(top + 1).to_be_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::robot::Platform;
    use crate::store::tests::now;

    pub(crate) fn robot(kind: Platform, url: &str) -> Robot {
        Robot {
            id: 0,
            kind,
            url: url.into(),
            secret: Some("SECsecret".into()),
            name: String::new(),
            time: None,
            days: None,
            active: true,
            reason: None,
            added_by: 7,
            from_config: false,
            added_at: now(),
            changed_at: now(),
        }
    }

    #[test]
    fn robots_are_numbered_changed_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = store
            .add_robot(robot(Platform::WeCom, "http://127.0.0.1:1/a"))
            .unwrap();
        let b = store
            .add_robot(robot(Platform::Feishu, "http://127.0.0.1:1/b"))
            .unwrap();
        assert_eq!((a.id, b.id), (1, 2));
        store.update_robot(1, |r| r.active = false).unwrap();
        assert!(!store.robot(1).unwrap().unwrap().active);
        assert_eq!(
            store.remove_robot(2).unwrap().unwrap().kind,
            Platform::Feishu
        );
        // Numbers are not reused.
        let c = store
            .add_robot(robot(Platform::DingTalk, "http://127.0.0.1:1/c"))
            .unwrap();
        assert_eq!(c.id, 3);
        assert_eq!(store.robots().unwrap().len(), 2);
    }

    #[test]
    fn robots_of_the_config_file_follow_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let own = store
            .add_robot(robot(Platform::WeCom, "http://127.0.0.1:1/own"))
            .unwrap();
        let mut one = robot(Platform::DingTalk, "http://127.0.0.1:1/one");
        one.from_config = true;
        let two = robot(Platform::Feishu, "http://127.0.0.1:1/two");
        assert_eq!(
            store
                .sync_config_robots(&[one.clone(), two.clone()], now())
                .unwrap(),
            (2, 0)
        );
        assert_eq!(
            store
                .sync_config_robots(&[one.clone(), two.clone()], now())
                .unwrap(),
            (0, 0)
        );
        // A revoked one stays revoked; a renamed one is renamed; a dropped one goes.
        let stored = store.robots().unwrap();
        let one_id = stored.iter().find(|r| r.url == one.url).unwrap().id;
        store.update_robot(one_id, |r| r.active = false).unwrap();
        one.name = "办公室".into();
        assert_eq!(
            store.sync_config_robots(&[one.clone()], now()).unwrap(),
            (0, 1)
        );
        let stored = store.robots().unwrap();
        assert_eq!(stored.len(), 2);
        assert!(stored.contains(&own));
        let one_now = store.robot(one_id).unwrap().unwrap();
        assert_eq!((one_now.name.as_str(), one_now.active), ("办公室", false));
        assert!(one_now.from_config);
    }
}
