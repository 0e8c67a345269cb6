//! Helpers for the reports that `--json` prints (every report is a struct deriving
//! `Serialize`; these are the shared field encodings).

use std::time::Duration;

/// A duration as seconds (a JSON number).
pub fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// A duration as milliseconds (a JSON number).
pub fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1e3)
}
