//! Secrets that come from files (MQTT_PASSWORD_FILE, CAMERA_CREDENTIALS_FILE, e.g. Docker
//! or systemd credentials): the password file's format, and the warning for a file that
//! every user of the machine can read. Errors and notes name the variable and the path,
//! never the file's text.

/// Variables that name a file holding secrets.
pub(super) const SECRET_FILES: &[&str] = &["MQTT_PASSWORD_FILE", "CAMERA_CREDENTIALS_FILE"];

/// The password in the text of MQTT_PASSWORD_FILE: the whole file less one line end (as
/// `echo` or an editor leaves it); spaces are kept (they can be part of a password).
///
/// # Errors
/// An empty password, or more than one line.
pub(super) fn password_from_file(text: &str) -> Result<String, String> {
    let pw = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    if pw.is_empty() {
        return Err("the file is empty (the password is its only line)".to_owned());
    }
    if pw.contains(['\n', '\r']) {
        return Err("more than one line (the password is the file's only line)".to_owned());
    }
    Ok(pw.to_owned())
}

/// The warning for a secret file with permission bits `mode`, if other users can read it.
#[must_use]
pub fn world_readable_note(var: &str, path: &str, mode: u32) -> Option<String> {
    (mode & 0o004 != 0).then(|| {
        format!(
            "{var}: {path} can be read by every user (mode {:03o}); chmod 600 it",
            mode & 0o777
        )
    })
}

/// The warnings for the secret files the environment names (`get`), from their modes on
/// disk. A file that cannot be inspected is left to the reader to report.
pub(super) fn file_notes(get: impl Fn(&str) -> Option<String>) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    SECRET_FILES
        .iter()
        .filter_map(|var| {
            let path = get(var).filter(|p| !p.trim().is_empty())?;
            let path = path.trim();
            let mode = std::fs::metadata(path).ok()?.permissions().mode();
            world_readable_note(var, path, mode)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_file_less_its_line_end() {
        assert_eq!(password_from_file("s3cret\n").as_deref(), Ok("s3cret"));
        assert_eq!(password_from_file("s3cret\r\n").as_deref(), Ok("s3cret"));
        assert_eq!(password_from_file("s3cret").as_deref(), Ok("s3cret"));
        assert_eq!(password_from_file(" a b \n").as_deref(), Ok(" a b "));
        for bad in ["", "\n", "\r\n", "alpha\nbeta\n", "alpha\rbeta"] {
            let e = password_from_file(bad).expect_err(bad);
            assert!(!e.contains("alpha") && !e.contains("beta"), "{e}");
        }
    }

    #[test]
    fn only_a_file_every_user_can_read_is_reported() {
        assert_eq!(world_readable_note("V", "/f", 0o100_600), None);
        assert_eq!(world_readable_note("V", "/f", 0o100_640), None);
        assert_eq!(
            world_readable_note("MQTT_PASSWORD_FILE", "/run/pw", 0o100_644).as_deref(),
            Some("MQTT_PASSWORD_FILE: /run/pw can be read by every user (mode 644); chmod 600 it")
        );
    }

    #[test]
    fn the_modes_on_disk_are_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let open = dir.path().join("open");
        let closed = dir.path().join("closed");
        for (p, mode) in [(&open, 0o644), (&closed, 0o600)] {
            std::fs::write(p, "x\n").expect("write");
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        let env = |open_var: &'static str, path: &std::path::Path| {
            let path = path.to_string_lossy().into_owned();
            move |k: &str| (k == open_var).then(|| path.clone())
        };
        let notes = file_notes(env("CAMERA_CREDENTIALS_FILE", &open));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("CAMERA_CREDENTIALS_FILE: "),
            "{notes:?}"
        );
        assert!(file_notes(env("MQTT_PASSWORD_FILE", &closed)).is_empty());
        assert!(file_notes(env("MQTT_PASSWORD_FILE", &dir.path().join("none"))).is_empty());
    }
}
