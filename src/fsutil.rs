//! Files the service owns (the Frigate config, the inventory state file): written only
//! when their content changed, never as a half file — a temp file in the same directory,
//! fsync, rename over the old one, fsync of the directory. Mode 0600: the Frigate config
//! may hold camera passwords, the state file user names.
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Writes `content` (text or bytes) to `path` unless the file already holds exactly that;
/// creates the directory if needed. Returns whether the file changed.
///
/// # Errors
///
/// The failing step as one line naming the path, e.g. `write /config/cameras.yml: No space
/// left on device (os error 28)`. No temp file is left behind.
pub fn write_if_changed(path: &Path, content: impl AsRef<[u8]>) -> io::Result<bool> {
    let content = content.as_ref();
    match fs::read(path) {
        Ok(current) if current == content => return Ok(false),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(named("read", path, &e)),
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(file_name) = path.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("write {}: not a file path", path.display()),
        ));
    };
    fs::create_dir_all(&dir).map_err(|e| named("create directory", &dir, &e))?;

    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = write_new(&tmp, content).and_then(|()| {
        fs::rename(&tmp, path).map_err(|e| named("rename", path, &e))?;
        // The rename is durable once the directory is; a failure here loses nothing written.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(true)
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `content` into a fresh file at `tmp` (a stale one from a crash is replaced), mode 0600,
/// synced to disk.
fn write_new(tmp: &Path, content: &[u8]) -> io::Result<()> {
    match fs::remove_file(tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(named("remove stale", tmp, &e)),
    }
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp)
        .map_err(|e| named("create", tmp, &e))?;
    // The umask cannot widen 0600, but make the mode exact whatever it is.
    f.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(|e| named("chmod", tmp, &e))?;
    f.write_all(content).map_err(|e| named("write", tmp, &e))?;
    f.sync_all().map_err(|e| named("fsync", tmp, &e))
}

fn named(what: &str, path: &Path, e: &io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}
