//! The TLS client side of a `tls` output: trust only `tls_ca`, optionally present a client
//! certificate (QRadar's TLS Syslog can require one), verify the receiver as `tls_server_name`
//! or the host of `address`.

use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use crate::config::OutputConfig;
use crate::listen::tls::{load_certs, load_key};

/// The connector and the name the receiver's certificate must carry.
pub fn connector(
    cfg: &OutputConfig,
    host: &str,
) -> anyhow::Result<(TlsConnector, ServerName<'static>)> {
    let ca_path = cfg.tls_ca.as_ref().context("a tls output needs tls_ca")?;
    let mut roots = RootCertStore::empty();
    for ca in load_certs(ca_path)? {
        roots
            .add(ca)
            .with_context(|| format!("{}: unusable CA certificate", ca_path.display()))?;
    }
    // The ring provider explicitly: no dependence on a process-wide default.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_root_certificates(roots);
    let config = match (&cfg.tls_client_cert, &cfg.tls_client_key) {
        (Some(cert), Some(key)) => builder
            .with_client_auth_cert(load_certs(cert)?, load_key(key)?)
            .with_context(|| {
                format!(
                    "{} / {}: client certificate and key do not match",
                    cert.display(),
                    key.display()
                )
            })?,
        _ => builder.with_no_client_auth(),
    };
    let name = cfg.tls_server_name.as_deref().unwrap_or(host);
    let server_name = ServerName::try_from(name.to_owned())
        .with_context(|| format!("{name:?} is not a DNS name or IP address to verify"))?;
    Ok((TlsConnector::from(Arc::new(config)), server_name))
}
