//! The gateway's TLS identity: the operator's certificate and key (PEM files named in
//! `gateway.tls_cert` / `gateway.tls_key`), or a self-signed certificate generated once into
//! `data_dir` and reused on every start, so its fingerprint, published in the registry, stays
//! valid. Tenants pin the certificate by [`TlsIdentity::fingerprint`]; no CA is involved.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::GatewayConfig;

/// Where the self-signed certificate lives, under `data_dir`.
pub const SELF_SIGNED_DIR: &str = "gateway";
pub const SELF_SIGNED_CERT: &str = "tls-cert.pem";
pub const SELF_SIGNED_KEY: &str = "tls-key.pem";

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("{what} {} holds no usable PEM {expected}{}", path.display(), detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Pem {
        what: &'static str,
        path: PathBuf,
        expected: &'static str,
        detail: Option<String>,
    },
    #[error("cannot write the self-signed certificate to {}: {source}; check that data_dir is writable", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("{} exists but {} does not; delete the other file to generate a new certificate (its fingerprint changes: update the registry with `kumo provider update`)", present.display(), missing.display())]
    HalfPresent { present: PathBuf, missing: PathBuf },
    #[error("cannot generate a self-signed certificate: {0}")]
    Generate(String),
    #[error("the certificate and key do not form a usable TLS identity: {0}")]
    Rustls(String),
}

/// A certificate chain (leaf first) and its private key.
#[derive(Debug)]
pub struct TlsIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    /// Where it came from, for logs.
    pub source: IdentitySource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySource {
    /// The operator's PEM files.
    Configured { cert: PathBuf },
    /// Generated now into this directory.
    Generated { dir: PathBuf },
    /// Generated earlier, reused from this directory.
    Reused { dir: PathBuf },
    /// Made in memory (tests).
    InMemory,
}

impl Clone for TlsIdentity {
    fn clone(&self) -> Self {
        TlsIdentity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
            source: self.source.clone(),
        }
    }
}

impl TlsIdentity {
    /// The operator's certificate (chain) and key from PEM files.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let cert_pem = std::fs::read(cert).map_err(|source| TlsError::Read {
            what: "gateway.tls_cert",
            path: cert.to_path_buf(),
            source,
        })?;
        let key_pem = std::fs::read(key).map_err(|source| TlsError::Read {
            what: "gateway.tls_key",
            path: key.to_path_buf(),
            source,
        })?;
        let mut id = Self::from_pem(&cert_pem, &key_pem, cert, key)?;
        id.source = IdentitySource::Configured {
            cert: cert.to_path_buf(),
        };
        Ok(id)
    }

    fn from_pem(
        cert_pem: &[u8],
        key_pem: &[u8],
        cert_path: &Path,
        key_path: &Path,
    ) -> Result<Self, TlsError> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::Pem {
                what: "gateway.tls_cert",
                path: cert_path.to_path_buf(),
                expected: "CERTIFICATE",
                detail: Some(e.to_string()),
            })?;
        if chain.is_empty() {
            return Err(TlsError::Pem {
                what: "gateway.tls_cert",
                path: cert_path.to_path_buf(),
                expected: "CERTIFICATE",
                detail: None,
            });
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Pem {
            what: "gateway.tls_key",
            path: key_path.to_path_buf(),
            expected: "PRIVATE KEY (PKCS#8, PKCS#1 or SEC1)",
            detail: Some(e.to_string()),
        })?;
        let id = TlsIdentity {
            chain,
            key,
            source: IdentitySource::InMemory,
        };
        // Refuse a key that does not match or a key type rustls cannot use, now, with paths.
        id.server_config()?;
        Ok(id)
    }

    /// A fresh self-signed certificate for `hostnames` (DNS names or IP addresses), in memory;
    /// returns the identity and its PEM (cert, key).
    pub fn self_signed(hostnames: &[String]) -> Result<(Self, String, String), TlsError> {
        let mut names: Vec<String> = hostnames.to_vec();
        for default in ["localhost", "127.0.0.1"] {
            if !names.iter().any(|n| n == default) {
                names.push(default.to_string());
            }
        }
        let certified = rcgen::generate_simple_self_signed(names)
            .map_err(|e| TlsError::Generate(e.to_string()))?;
        let cert_pem = certified.cert.pem();
        let key_pem = certified.signing_key.serialize_pem();
        let id = TlsIdentity {
            chain: vec![certified.cert.der().clone()],
            key: PrivateKeyDer::try_from(certified.signing_key.serialize_der())
                .map_err(|e| TlsError::Generate(e.to_string()))?,
            source: IdentitySource::InMemory,
        };
        Ok((id, cert_pem, key_pem))
    }

    /// The configured certificate, or else the self-signed one in
    /// `data_dir/gateway/` (generated for `hostnames` the first time, reused afterwards).
    pub fn load_or_generate(
        config: &GatewayConfig,
        data_dir: &Path,
        hostnames: &[String],
    ) -> Result<Self, TlsError> {
        if let Some(files) = &config.tls {
            return Self::from_pem_files(&files.cert, &files.key);
        }
        let dir = data_dir.join(SELF_SIGNED_DIR);
        let cert_path = dir.join(SELF_SIGNED_CERT);
        let key_path = dir.join(SELF_SIGNED_KEY);
        match (cert_path.exists(), key_path.exists()) {
            (true, true) => {
                let cert = std::fs::read(&cert_path).map_err(|source| TlsError::Read {
                    what: "self-signed certificate",
                    path: cert_path.clone(),
                    source,
                })?;
                let key = std::fs::read(&key_path).map_err(|source| TlsError::Read {
                    what: "self-signed key",
                    path: key_path.clone(),
                    source,
                })?;
                let mut id = Self::from_pem(&cert, &key, &cert_path, &key_path)?;
                id.source = IdentitySource::Reused { dir };
                Ok(id)
            }
            (true, false) => Err(TlsError::HalfPresent {
                present: cert_path,
                missing: key_path,
            }),
            (false, true) => Err(TlsError::HalfPresent {
                present: key_path,
                missing: cert_path,
            }),
            (false, false) => {
                let (mut id, cert_pem, key_pem) = Self::self_signed(hostnames)?;
                let write_err = |path: &Path| {
                    let path = path.to_path_buf();
                    move |source| TlsError::Write { path, source }
                };
                std::fs::create_dir_all(&dir).map_err(write_err(&dir))?;
                write_private(&key_path, key_pem.as_bytes()).map_err(write_err(&key_path))?;
                // The certificate last: its presence marks a complete pair.
                write_atomic(&cert_path, cert_pem.as_bytes()).map_err(write_err(&cert_path))?;
                id.source = IdentitySource::Generated { dir };
                Ok(id)
            }
        }
    }

    /// Lowercase hex sha256 of the leaf certificate's DER: the registry's
    /// `tls_cert_fingerprint`.
    pub fn fingerprint(&self) -> String {
        kumo_client::gateway::cert_fingerprint(self.cert_der())
    }

    /// The leaf certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        self.chain[0].as_ref()
    }

    /// A rustls server configuration (ring provider, TLS 1.2 and 1.3, HTTP/1.1 over ALPN).
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Rustls(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .map_err(|e| TlsError::Rustls(e.to_string()))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// Writes via a temporary file and rename, so a crash never leaves half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Like [`write_atomic`], readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    {
        use std::io::Write;
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// The host of a `https://host[:port]` URI (e.g. the registration's `host_uri`), for the
/// self-signed certificate's names.
pub fn host_of_uri(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("https://")?;
    let authority = rest.split('/').next()?;
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    (!host.is_empty()).then(|| host.to_string())
}
