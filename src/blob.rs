//! The byte layout of what the store keeps as one blob (a tool folder's shape, the seals a
//! listing read): numbers little-endian, texts and paths after their length. Written with
//! [`put_i64`] and [`put_bytes`], read back in the same order with [`Fields`]; a cut or
//! damaged blob reads as `None`, never a panic.

/// `n`, little-endian.
pub(crate) fn put_i64(out: &mut Vec<u8>, n: i64) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// `bytes`, after their length.
pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// A blob's fields, read in the order they were put.
pub(crate) struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    pub(crate) fn of(blob: &'a [u8]) -> Self {
        Self(blob)
    }

    /// Whether every field was read.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.0.split_at_checked(n)?;
        self.0 = tail;
        Some(head)
    }

    pub(crate) fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// What `put_bytes` put.
    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize;
        self.take(len)
    }

    /// What `put_bytes` put, as UTF-8.
    pub(crate) fn text(&mut self) -> Option<String> {
        std::str::from_utf8(self.bytes()?).ok().map(str::to_string)
    }

    /// What `put_bytes` put, as a path.
    pub(crate) fn path(&mut self) -> Option<std::path::PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        Some(std::ffi::OsStr::from_bytes(self.bytes()?).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_back_in_order_and_a_cut_blob_reads_as_none() {
        let mut blob = Vec::new();
        put_i64(&mut blob, -7);
        put_bytes(&mut blob, "naïve".as_bytes());
        let mut fields = Fields::of(&blob);
        assert_eq!(fields.i64(), Some(-7));
        assert_eq!(fields.text().as_deref(), Some("naïve"));
        assert!(fields.is_empty());
        for cut in 0..blob.len() {
            let mut fields = Fields::of(&blob[..cut]);
            assert!(
                fields.i64().is_none() || fields.text().is_none(),
                "cut at {cut}"
            );
        }
    }
}
