//! TLS for syslog (RFC 5425): the server certificate and key from PEM files, and with
//! `tls_client_ca` mutual TLS (clients must present a certificate signed by that CA).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::config::ListenConfig;

/// Builds the acceptor for a `tls` listener. The ring provider is passed explicitly, so this
/// works whether or not a process-wide default provider was installed.
pub fn acceptor(cfg: &ListenConfig) -> anyhow::Result<TlsAcceptor> {
    let (Some(cert_path), Some(key_path)) = (&cfg.tls_cert, &cfg.tls_key) else {
        bail!("a tls listener needs tls_cert and tls_key");
    };
    let certs = load_certs(cert_path)?;
    let key = load_key(key_path)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?;
    let builder = match &cfg.tls_client_ca {
        Some(ca_path) => {
            let mut roots = RootCertStore::empty();
            for ca in load_certs(ca_path)? {
                roots
                    .add(ca)
                    .with_context(|| format!("{}: unusable CA certificate", ca_path.display()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .context("building the client certificate verifier")?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder.with_single_cert(certs, key).with_context(|| {
        format!(
            "{} / {}: certificate and key do not match",
            cert_path.display(),
            key_path.display()
        )
    })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

pub(crate) fn load_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let certs = rustls_pemfile::certs(&mut BufReader::new(file))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading certificates from {}", path.display()))?;
    if certs.is_empty() {
        bail!("{}: no PEM certificate found", path.display());
    }
    Ok(certs)
}

pub(crate) fn load_key(path: &Path) -> anyhow::Result<PrivateKeyDer<'static>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    rustls_pemfile::private_key(&mut BufReader::new(file))
        .with_context(|| format!("reading the private key from {}", path.display()))?
        .with_context(|| format!("{}: no PEM private key found", path.display()))
}
