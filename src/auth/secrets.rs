//! Client ids and secrets. Secrets are 256 random bits, shown once and stored as a SHA-256
//! digest: with that much entropy a slow password hash adds cost without adding safety.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const SECRET_PREFIX: &str = "ocs_";
const CLIENT_ID_PREFIX: &str = "oc_";

/// A fresh public client id, e.g. `oc_Xq3...`.
pub fn new_client_id() -> String {
    format!("{CLIENT_ID_PREFIX}{}", random_token(15))
}

/// A fresh client secret, e.g. `ocs_...` (43 characters of randomness).
pub fn new_client_secret() -> String {
    format!("{SECRET_PREFIX}{}", random_token(32))
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    format!("sha256${}", hex(&digest))
}

/// Whether `secret` matches the stored hash, compared in constant time.
pub fn verify_secret(secret: &str, stored_hash: &str) -> bool {
    let candidate = hash_secret(secret);
    candidate.as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

/// `bytes` random bytes from the OS generator, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_verifies_against_its_own_hash_only() {
        let secret = new_client_secret();
        let stored = hash_secret(&secret);
        assert!(verify_secret(&secret, &stored));
        assert!(!verify_secret(&new_client_secret(), &stored));
        assert!(!stored.contains(&secret));
    }

    #[test]
    fn ids_and_secrets_are_unique_and_prefixed() {
        let a = new_client_secret();
        let b = new_client_secret();
        assert_ne!(a, b);
        assert!(a.starts_with("ocs_") && a.len() > 40);
        assert!(new_client_id().starts_with("oc_"));
    }
}
