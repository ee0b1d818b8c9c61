//! Detached minisign (Ed25519) signatures over a bundle's `manifest.json`. Keys and signatures
//! are the standard minisign formats, so a province can sign with `minisign -S` or
//! `motcua bundle sign` and a kiosk verifies either. The key types wrap minisign's so that only
//! this module uses the minisign crate.

use std::io::Cursor;
use std::path::Path;

use minisign::{KeyPair, SecretKeyBox, SignatureBox};

/// A public key that bundles may be signed with.
#[derive(Clone)]
pub struct PublicKey(minisign::PublicKey);

impl PublicKey {
    /// The key id as minisign prints it.
    pub fn id(&self) -> String {
        key_id(self.0.keynum())
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.id())
    }
}

/// A secret key that signs bundles (never printed).
pub struct SecretKey(minisign::SecretKey);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("not a minisign public key: {0}")]
    BadPublicKey(String),
    #[error("{path}: not a minisign secret key: {message}")]
    BadSecretKey {
        path: std::path::PathBuf,
        message: String,
    },
    #[error("the signature file is not a minisign signature: {0}")]
    BadSignature(String),
    #[error("signed by key {key_id}, which is not one of the trusted keys")]
    UnknownKey { key_id: String },
    #[error(
        "the signature does not match the manifest (the manifest was altered or the signature forged)"
    )]
    Mismatch,
    #[error(
        "the signature is in minisign's legacy format, which is not accepted: sign the bundle again with a current minisign or `motcua bundle sign` (prehashed, the default)"
    )]
    Legacy,
    #[error("no trusted keys are configured: set updates.trusted_keys in kiosk.toml or pass --key")]
    NoTrustedKeys,
    #[error("{0}")]
    Other(String),
}

/// A minisign key id as minisign prints it (16 hex digits, little-endian).
pub fn key_id(keynum: &[u8]) -> String {
    let mut n = [0u8; 8];
    for (i, b) in keynum.iter().take(8).enumerate() {
        n[i] = *b;
    }
    format!("{:016X}", u64::from_le_bytes(n))
}

/// Accepts the base64 line of a public key, or the whole text of a `minisign -G` `.pub` file.
pub fn parse_public_key(s: &str) -> Result<PublicKey, SignError> {
    let line = s
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
        .ok_or_else(|| SignError::BadPublicKey("empty".into()))?;
    minisign::PublicKey::from_base64(line)
        .map(PublicKey)
        .map_err(|e| SignError::BadPublicKey(e.to_string()))
}

pub fn read_public_key_file(path: &Path) -> Result<PublicKey, SignError> {
    let s = std::fs::read_to_string(path).map_err(|source| SignError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_public_key(&s).map_err(|e| match e {
        SignError::BadPublicKey(m) => SignError::BadPublicKey(format!("{}: {m}", path.display())),
        e => e,
    })
}

/// The base64 line of a public key (what `updates.trusted_keys` holds).
pub fn public_key_line(pk: &PublicKey) -> String {
    pk.0.to_base64()
}

/// Generates an unencrypted key pair and writes `<stem>.pub` and `<stem>.key` in minisign's
/// file formats (like `minisign -G -W`). Refuses to overwrite an existing secret key.
pub fn keygen(public_path: &Path, secret_path: &Path) -> Result<PublicKey, SignError> {
    if secret_path.exists() {
        return Err(SignError::Other(format!(
            "{} exists: refusing to overwrite a secret key",
            secret_path.display()
        )));
    }
    let KeyPair { pk, sk } =
        KeyPair::generate_unencrypted_keypair().map_err(|e| SignError::Other(e.to_string()))?;
    let pk_box = pk.to_box().map_err(|e| SignError::Other(e.to_string()))?;
    let sk_box = sk
        .to_box(None)
        .map_err(|e| SignError::Other(e.to_string()))?;
    write_new(secret_path, sk_box.into_string().as_bytes(), true)?;
    write_new(public_path, pk_box.into_string().as_bytes(), false)?;
    Ok(PublicKey(pk))
}

fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<(), SignError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = opts.open(path).map_err(|source| SignError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|source| SignError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// Reads a minisign secret key file; `password` is needed only for encrypted keys
/// (`minisign -G` without `-W`).
pub fn read_secret_key(path: &Path, password: Option<String>) -> Result<SecretKey, SignError> {
    let s = std::fs::read_to_string(path).map_err(|source| SignError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let b = SecretKeyBox::from_string(&s).map_err(|e| SignError::BadSecretKey {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let encrypted = b
        .clone()
        .into_unencrypted_secret_key()
        .map(|k| k.is_encrypted())
        .unwrap_or(true);
    let res = if encrypted {
        let Some(pw) = password else {
            return Err(SignError::BadSecretKey {
                path: path.to_path_buf(),
                message: "the key is encrypted: give its password (--password-env VAR)".into(),
            });
        };
        b.into_secret_key(Some(pw))
    } else {
        b.into_unencrypted_secret_key()
    };
    res.map(SecretKey).map_err(|e| SignError::BadSecretKey {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Signs `data` (the manifest bytes) and returns the `.minisig` text.
pub fn sign(sk: &SecretKey, data: &[u8], trusted_comment: &str) -> Result<String, SignError> {
    let sig = minisign::sign(
        None,
        &sk.0,
        Cursor::new(data),
        Some(trusted_comment),
        Some("signature from motcua secret key"),
    )
    .map_err(|e| SignError::Other(e.to_string()))?;
    Ok(sig.into_string())
}

/// Verifies `.minisig` text over `data` with whichever trusted key made it. Returns its key id.
pub fn verify(data: &[u8], signature: &str, trusted: &[PublicKey]) -> Result<String, SignError> {
    if trusted.is_empty() {
        return Err(SignError::NoTrustedKeys);
    }
    let sig =
        SignatureBox::from_string(signature).map_err(|e| SignError::BadSignature(e.to_string()))?;
    let id = key_id(sig.keynum());
    let Some(pk) = trusted.iter().find(|pk| pk.id() == id) else {
        return Err(SignError::UnknownKey { key_id: id });
    };
    // minisign refuses the legacy (not prehashed) format with the same error as a forgery.
    if !sig.is_prehashed() {
        return Err(SignError::Legacy);
    }
    minisign::verify(&pk.0, &sig, Cursor::new(data), true, false, false)
        .map_err(|_| SignError::Mismatch)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_and_reject_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pk = keygen(&dir.path().join("k.pub"), &dir.path().join("k.key")).expect("keygen");
        let sk = read_secret_key(&dir.path().join("k.key"), None).expect("secret key");
        let pk2 = read_public_key_file(&dir.path().join("k.pub")).expect("public key");
        assert_eq!(public_key_line(&pk), public_key_line(&pk2));
        let sig = sign(&sk, b"manifest", "version:1").expect("sign");
        assert!(verify(b"manifest", &sig, std::slice::from_ref(&pk)).is_ok());
        assert!(matches!(
            verify(b"manifesT", &sig, std::slice::from_ref(&pk)),
            Err(SignError::Mismatch)
        ));
        let other = keygen(&dir.path().join("o.pub"), &dir.path().join("o.key")).expect("keygen");
        assert!(matches!(
            verify(b"manifest", &sig, &[other]),
            Err(SignError::UnknownKey { .. })
        ));
        assert!(matches!(
            verify(b"manifest", "garbage", &[pk]),
            Err(SignError::BadSignature(_))
        ));
    }
}
