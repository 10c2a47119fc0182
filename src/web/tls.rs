//! TLS for the review page, which it needs to be served beyond loopback: the certificate and
//! key a person gives, read once at the start and served with rustls. The certificate also
//! says which names the page may be reached by (`Host`), as a browser only talks to it under
//! a name the certificate holds.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::TlsAcceptor;

use super::WebError;
use crate::model::settings::TlsFiles;

/// The page's TLS: what accepts connections, and the certificate it shows.
pub(super) struct Tls {
    pub(super) acceptor: TlsAcceptor,
    /// The certificate of the page itself (the first of the chain).
    leaf: CertificateDer<'static>,
}

impl Tls {
    /// Reads `files`; a file that cannot be read, holds nothing of its kind, or a key that is
    /// not the certificate's is one line naming the file and its field.
    pub(super) fn load(files: &TlsFiles) -> Result<Self, WebError> {
        let chain = read_chain(&files.cert)?;
        let key = PrivateKeyDer::from_pem_file(&files.key)
            .map_err(|e| refused(&files.key, "web.tls_key", pem_reason(e, "PRIVATE KEY")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| refused(&files.cert, "web.tls_cert", e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain.clone(), key)
            .map_err(|e| {
                refused(
                    &files.key,
                    "web.tls_key",
                    format!(
                        "not the key of the certificate in {}: {e}",
                        files.cert.display()
                    ),
                )
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            leaf: chain
                .into_iter()
                .next()
                .expect("read_chain keeps one at least"),
        })
    }

    /// Whether the certificate holds `host` (a name or an address, without its port).
    pub(super) fn names(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let Ok(name) = ServerName::try_from(host) else {
            return false;
        };
        webpki::EndEntityCert::try_from(&self.leaf)
            .is_ok_and(|cert| cert.verify_is_valid_for_subject_name(&name).is_ok())
    }
}

/// The certificates of the PEM file at `path`, at least one.
fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, WebError> {
    let chain = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| refused(path, "web.tls_cert", pem_reason(e, "CERTIFICATE")))?;
    if chain.is_empty() {
        return Err(refused(
            path,
            "web.tls_cert",
            pem_reason(rustls::pki_types::pem::Error::NoItemsFound, "CERTIFICATE"),
        ));
    }
    Ok(chain)
}

fn pem_reason(error: rustls::pki_types::pem::Error, kind: &str) -> String {
    match error {
        rustls::pki_types::pem::Error::Io(e) => e.to_string(),
        rustls::pki_types::pem::Error::NoItemsFound => {
            format!(
                "no PEM block of a {} in it (-----BEGIN {kind}-----)",
                kind.to_lowercase()
            )
        }
        other => format!("not PEM: {other}"),
    }
}

fn refused(path: &Path, field: &'static str, reason: String) -> WebError {
    WebError::Tls {
        file: path.to_path_buf(),
        field,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, cert: &str, key: &str) -> TlsFiles {
        let files = TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&files.cert, cert).expect("cert");
        std::fs::write(&files.key, key).expect("key");
        files
    }

    #[test]
    fn a_missing_empty_or_mangled_file_is_named_with_its_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = TlsFiles {
            cert: dir.path().join("none.pem"),
            key: dir.path().join("none.key"),
        };
        let err = Tls::load(&missing).err().expect("refused").to_string();
        assert!(err.contains("none.pem (web.tls_cert):"), "{err}");
        let empty = files(dir.path(), "", "");
        let err = Tls::load(&empty).err().expect("refused").to_string();
        assert!(
            err.contains("cert.pem (web.tls_cert): no PEM block of a certificate"),
            "{err}"
        );
        let mangled = files(
            dir.path(),
            "-----BEGIN CERTIFICATE-----\nnot base64 !!\n",
            "",
        );
        let err = Tls::load(&mangled).err().expect("refused").to_string();
        assert!(err.contains("(web.tls_cert): not PEM"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }
}
