//! The seals a listing read, each with the metadata its file had then (device, inode, size,
//! mtime, ctime), so the next `toolbench list` stats a seal file instead of reading and
//! checking it (issue 64), as it stats an unchanged tool folder along its shape.
//!
//! They are kept in the workspace's state store, which anything running as the user can
//! write: so the whole is tagged with this user's key (`own_writes`) and names the folder of
//! seals it was read from, and each seal is taken only while its file has the very metadata
//! it was read with. A file written, replaced or linked since has another ctime, which no
//! process without privileges can set back; one read less than 3 s after it changed is not
//! kept (a second write within the clock's granularity could leave the same ctime). So a seal
//! taken from here is one this user's toolbench read and believed from that very file, as it
//! is: never more than reading it again would believe. Only the listing uses it; runs, calls
//! and decisions read the seal.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::{Seal, SealBook, parse, seals_dir};
use crate::blob::{Fields, put_bytes, put_i64};
use crate::catalog::scan::Stat;
use crate::model::Tier;

/// The kind of bytes the tag is for: never a seal's or a mark's.
const TAG_KIND: &str = "known-seals";
/// The layout of `KnownSeals::encode`: another is read as none, and every seal is read.
const FORMAT: u8 = 1;
/// Hex of a tag.
const TAG_LEN: usize = 64;
/// The fewest bytes one seal takes in `encode`'s body: its stamp (seven numbers), the lengths
/// of its seven texts, and its hash's 64 hex digits.
const SMALLEST_SEAL: usize = 7 * 8 + 7 * 4 + 64;

impl SealBook {
    /// `load` for `toolbench list`: a seal whose file has the metadata it had when a listing
    /// read it is taken from `kept`, its file not read. Gives the book, and the
    /// bytes to keep for the next listing when they changed.
    pub(crate) fn load_known(root: &Path, kept: &[u8]) -> (Self, Option<Vec<u8>>) {
        let dir = seals_dir(root);
        let Ok(fd) = rustix::fs::open(
            &dir,
            rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        ) else {
            return (Self::load(root), None);
        };
        let known = KnownSeals::decode(&dir, kept);
        let first = known.is_none();
        let mut along = Along {
            known: known.unwrap_or_default(),
            dir: fd,
            read_at: crate::catalog::scan::now(),
            stamps: Vec::new(),
            taken: 0,
            fresh: false,
        };
        let known = along.known.len();
        let book = Self::load_with(root, known, |path, name| along.seal(path, name));
        if first {
            // As a first scan keeps no folder shapes: a listing that found no kept seals costs
            // what it did, and keeps none (an empty set, tagged); the next keeps them.
            return (book, encode(&dir, &[]));
        }
        // Kept as they were: no seal read afresh to keep, none known missed or gone.
        if !along.fresh && along.taken == known {
            return (book, None);
        }
        let seals: Vec<(FileStamp, &Seal)> = along
            .stamps
            .iter()
            .filter_map(|(name, stamp)| Some((*stamp, book.get(name)?)))
            .collect();
        let keep = encode(&dir, &seals);
        (book, keep)
    }
}

/// A listing's reading of the seals along the ones it kept.
struct Along {
    known: KnownSeals,
    /// The folder of seals, opened once to stat each file from.
    dir: rustix::fd::OwnedFd,
    /// When the reading began: a file changed less than 3 s before is read, not kept.
    read_at: (i64, i64),
    /// The seals to keep, by name, with their files' stamps.
    stamps: Vec<(String, FileStamp)>,
    /// How many seals were taken from `known`.
    taken: usize,
    /// Whether a seal read afresh is kept.
    fresh: bool,
}

impl Along {
    /// The seal in the file `path` (named `name`): the known one while the file has the
    /// stamp it was read with, else read and checked as `load` does.
    fn seal(&mut self, path: &Path, name: &str) -> Option<Box<Seal>> {
        use std::os::fd::AsFd;
        // Only a seal known is stat'ed: a listing that keeps none reads as `load` does.
        if let Some((stamp, seal)) = self.known.take(name)
            && FileStamp::at(self.dir.as_fd(), &format!("{name}.json")) == Some(stamp)
        {
            self.taken += 1;
            self.stamps.push((name.to_string(), stamp));
            return Some(seal);
        }
        let (seal, stamp) = read_stamped(path)?;
        if seal.name == name && stamp.settled(self.read_at) {
            self.fresh = true;
            self.stamps.push((name.to_string(), stamp));
        }
        Some(Box::new(seal))
    }
}

/// The seal in the file `path` and the stamp of the file it was read from.
fn read_stamped(path: &Path) -> Option<(Seal, FileStamp)> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    // Sized from the one fstat, as `std::fs::read` does: `File::read_to_end` would ask the
    // kernel for the size again (fstat and lseek), a `Take` does not.
    let mut bytes = Vec::with_capacity(meta.size().min(1 << 16) as usize + 1);
    file.take(u64::MAX).read_to_end(&mut bytes).ok()?;
    let stamp = FileStamp::of_file(&meta);
    Some((parse(path, &bytes).ok()?, stamp))
}

/// What says a seal file is unchanged: device, inode, size, mtime and ctime (s, ns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileStamp([i64; 7]);

impl FileStamp {
    fn of(meta: &impl Stat, size: u64) -> Self {
        let (mtime, mtime_ns) = meta.st_mtime();
        let (ctime, ctime_ns) = meta.st_ctime();
        FileStamp([
            meta.st_dev() as i64,
            meta.st_ino() as i64,
            size as i64,
            mtime,
            mtime_ns,
            ctime,
            ctime_ns,
        ])
    }

    pub(super) fn of_file(meta: &std::fs::Metadata) -> Self {
        Self::of(meta, meta.size())
    }

    /// The stamp of the regular file `name` in the folder `dir`, its link not followed.
    pub(super) fn at(dir: std::os::fd::BorrowedFd<'_>, name: &str) -> Option<Self> {
        use rustix::fs::{AtFlags, StatxFlags};
        let wanted = StatxFlags::TYPE
            | StatxFlags::INO
            | StatxFlags::SIZE
            | StatxFlags::MTIME
            | StatxFlags::CTIME;
        let meta = rustix::fs::statx(dir, name, AtFlags::SYMLINK_NOFOLLOW, wanted).ok()?;
        let regular = u32::from(meta.stx_mode) & libc::S_IFMT == libc::S_IFREG;
        (meta.stx_mask & wanted.bits() == wanted.bits() && regular)
            .then(|| Self::of(&meta, meta.stx_size))
    }

    /// Whether the file had last changed long enough before `read_at` for a change after it
    /// to give it another ctime.
    pub(super) fn settled(&self, read_at: (i64, i64)) -> bool {
        crate::catalog::scan::settled((self.0[5], self.0[6]), read_at)
    }
}

/// Seals by name, each with its file's stamp when read.
#[derive(Debug, Default)]
pub(super) struct KnownSeals {
    seals: HashMap<String, (FileStamp, Box<Seal>)>,
}

impl KnownSeals {
    /// The seal of `name` and the stamp its file had, taken out (each is met once).
    pub(super) fn take(&mut self, name: &str) -> Option<(FileStamp, Box<Seal>)> {
        self.seals.remove(name)
    }

    pub(super) fn len(&self) -> usize {
        self.seals.len()
    }

    /// `encode`'s bytes back, for the same folder of seals; `None` for anything else (a tag
    /// that does not check, another layout or folder, a damaged or cut blob): then every seal
    /// is read.
    pub(super) fn decode(seals_dir: &Path, bytes: &[u8]) -> Option<Self> {
        use std::os::unix::ffi::OsStrExt;
        let (tag, body) = bytes.split_at_checked(TAG_LEN)?;
        let tag = std::str::from_utf8(tag).ok()?;
        if !crate::workspace::own_writes::believed(TAG_KIND, body, Some(tag)) {
            return None;
        }
        let mut reader = Fields::of(body);
        if reader.take(1)? != [FORMAT] || reader.bytes()? != seals_dir.as_os_str().as_bytes() {
            return None;
        }
        // Room for as many seals as the body could hold (each is at least its stamp, seven
        // lengths and a 64-digit hash): a map grown by doubling moves every seal again.
        let mut seals = HashMap::with_capacity(body.len() / SMALLEST_SEAL);
        while !reader.is_empty() {
            let mut stamp = [0i64; 7];
            for n in &mut stamp {
                *n = reader.i64()?;
            }
            let name = reader.text()?;
            let seal = Box::new(Seal {
                tier: reader.text()?.parse::<Tier>().ok()?,
                version: reader.text()?,
                hash: reader.text()?,
                by: reader.text()?,
                at: reader.text()?,
                how: reader.text()?,
                name: name.clone(),
                tag: None,
            });
            seals.insert(name, (FileStamp(stamp), seal));
        }
        Some(Self { seals })
    }
}

/// The bytes to keep for the seals of the folder `seals_dir`, each with its file's stamp,
/// tagged; `None` where this user has no key to tag them with (nothing untagged is believed).
pub(super) fn encode(seals_dir: &Path, seals: &[(FileStamp, &Seal)]) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let mut body = Vec::with_capacity(64 + seals.len() * 320);
    body.push(FORMAT);
    put_bytes(&mut body, seals_dir.as_os_str().as_bytes());
    for (stamp, seal) in seals {
        for n in stamp.0 {
            put_i64(&mut body, n);
        }
        for text in [
            &seal.name,
            seal.tier.as_str(),
            &seal.version,
            &seal.hash,
            &seal.by,
            &seal.at,
            &seal.how,
        ] {
            put_bytes(&mut body, text.as_bytes());
        }
    }
    let tag = crate::workspace::own_writes::tag(TAG_KIND, &body)?;
    let mut out = tag.into_bytes();
    out.extend_from_slice(&body);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::scan::{ScanLimits, load_tool};
    use crate::model::ToolEntry;
    use crate::seal::{accept_all, read, seal_path};

    fn tool(root: &Path, name: &str) -> ToolEntry {
        let folder = root.join("approved").join(name);
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(
            folder.join("tool.toml"),
            format!(
                "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
            ),
        )
        .expect("manifest");
        std::fs::write(folder.join("run.sh"), "echo a\n").expect("script");
        load_tool(root, Tier::Approved, &folder, ScanLimits::default())
    }

    fn seal(name: &str) -> Seal {
        Seal {
            name: name.into(),
            tier: Tier::Approved,
            version: "1.0.0".into(),
            hash: "ab".repeat(32),
            by: "ana".into(),
            at: "2026-11-27T08:00:00Z".into(),
            how: "approve".into(),
            tag: None,
        }
    }

    const STAMP: FileStamp = FileStamp([1, 2, 300, 4, 5, 6, 7]);

    /// The bytes kept for seals a and b.
    fn kept(dir: &Path) -> Vec<u8> {
        let (a, b) = (seal("a"), seal("b"));
        let rows = [(STAMP, &a), (FileStamp([1, 3, 300, 4, 5, 6, 7]), &b)];
        encode(dir, &rows).expect("tagged")
    }

    #[test]
    fn known_seals_read_back_for_their_folder_with_their_stamps() {
        let dir = Path::new("/w/.toolbench/seals");
        let bytes = kept(dir);
        let mut back = KnownSeals::decode(dir, &bytes).expect("believed");
        assert_eq!(back.len(), 2);
        assert_eq!(back.take("a"), Some((STAMP, Box::new(seal("a")))));
        let b = (FileStamp([1, 3, 300, 4, 5, 6, 7]), Box::new(seal("b")));
        assert_eq!(back.take("b"), Some(b));
        assert_eq!(back.take("b"), None, "met once");
        let other = Path::new("/v/.toolbench/seals");
        assert_eq!(
            KnownSeals::decode(other, &bytes).map(|k| k.len()),
            None,
            "another workspace's"
        );
    }

    /// Whatever the bytes (damaged, cut, forged, of another layout), a decode gives every
    /// seal or none, and never panics.
    #[test]
    fn known_seals_damaged_cut_or_forged_are_none() {
        let dir = Path::new("/w/.toolbench/seals");
        let bytes = kept(dir);
        for cut in 0..bytes.len() {
            assert_eq!(
                KnownSeals::decode(dir, &bytes[..cut]).map(|k| k.len()),
                None,
                "cut at {cut}"
            );
        }
        for at in [0, TAG_LEN, TAG_LEN + 1, bytes.len() / 2, bytes.len() - 1] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x55;
            assert_eq!(
                KnownSeals::decode(dir, &damaged).map(|k| k.len()),
                None,
                "byte {at}"
            );
        }
        // A body rewritten to other content, with the tag it had: not believed.
        let mut forged = bytes.clone();
        let hash = forged
            .windows(64)
            .position(|w| w == "ab".repeat(32).as_bytes())
            .expect("a hash");
        forged[hash..hash + 64].copy_from_slice("cd".repeat(32).as_bytes());
        assert_eq!(KnownSeals::decode(dir, &forged).map(|k| k.len()), None);
        assert_eq!(KnownSeals::decode(dir, b"").map(|k| k.len()), None);
        assert_eq!(KnownSeals::decode(dir, &[0xff; 200]).map(|k| k.len()), None);
    }

    #[test]
    fn a_stamp_is_settled_once_its_ctime_is_3_s_old() {
        assert!(STAMP.settled((9, 8)));
        assert!(!STAMP.settled((8, 7)));
    }

    /// What a listing kept is taken while the seal file has the stamp it was kept with, and
    /// read again once the file changed; a file changed just now is read and not kept.
    #[test]
    fn a_listing_takes_a_kept_seal_only_while_its_file_is_unchanged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let approved = tool(root, "a");
        accept_all(root, "ana").expect("accepted");
        let (book, keep) = SealBook::load_known(root, b"");
        assert_eq!(book.drift(&approved), None);
        let empty = keep.expect("a first listing keeps an empty set");
        let decoded = KnownSeals::decode(&seals_dir(root), &empty).map(|k| k.len());
        assert_eq!(decoded, Some(0));
        let (_, keep) = SealBook::load_known(root, &empty);
        assert_eq!(keep, None, "sealed just now: not kept yet");

        // Kept with the file's stamp as it is (as if read 3 s later), naming other content.
        let path = seal_path(root, "a");
        let stamp = FileStamp::of_file(&std::fs::metadata(&path).expect("meta"));
        let mut other = read(root, "a").expect("read").expect("sealed");
        other.hash = "0".repeat(64);
        let kept = encode(&seals_dir(root), &[(stamp, &other)]).expect("tagged");
        let (book, keep) = SealBook::load_known(root, &kept);
        assert_eq!(book.get("a"), Some(&other), "taken, not read");
        assert_eq!(keep, None, "unchanged");

        // The same bytes written again: another ctime, so the file is read.
        let bytes = std::fs::read(&path).expect("seal");
        std::fs::write(&path, bytes).expect("rewrite");
        let (book, keep) = SealBook::load_known(root, &kept);
        assert_eq!(book.drift(&approved), None);
        assert_eq!(book.get("a").map(|s| &s.hash), Some(&approved.content_hash));
        let kept = keep.expect("the kept seal that no longer holds is dropped");
        let decoded = KnownSeals::decode(&seals_dir(root), &kept).map(|k| k.len());
        assert_eq!(decoded, Some(0));
    }
}
