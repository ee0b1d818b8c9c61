//! The staff PIN's hash, the only user of `argon2`: making the PHC string for `[staff] pin_hash`,
//! checking that a configured string is one this kiosk can verify (and afford to: its memory and
//! time costs are bounded, so a hand-edited hash cannot exhaust the machine), and verifying a PIN.
//! Verifying costs tens of milliseconds by design: never call it on the UI thread.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

/// The shortest PIN `hash` accepts.
pub const MIN_DIGITS: usize = 4;
/// The longest PIN `hash` accepts.
pub const MAX_DIGITS: usize = 32;

/// The costs a configured hash may ask for: argon2's memory (KiB), passes and lanes.
const MAX_MEMORY_KIB: u32 = 256 * 1024;
const MAX_PASSES: u32 = 16;
const MAX_LANES: u32 = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("a PIN is {MIN_DIGITS} to {MAX_DIGITS} digits")]
    Shape,
    #[error("not an argon2 hash (make one with `motcua staff hash-pin`): {0}")]
    NotArgon2(String),
    #[error("the argon2 hash asks for more than this kiosk allows ({0})")]
    TooCostly(String),
    #[error("cannot hash the PIN: {0}")]
    Hash(String),
}

/// The PHC string to put in `[staff] pin_hash` (argon2id, default costs, a fresh salt).
pub fn hash(pin: &str) -> Result<String, PinError> {
    let n = pin.chars().count();
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&n) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(PinError::Shape);
    }
    Argon2::default()
        .hash_password(pin.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// Checks that `phc` is an argon2 hash with costs this kiosk can pay.
pub fn check_hash(phc: &str) -> Result<(), PinError> {
    parse(phc).map(|_| ())
}

fn parse(phc: &str) -> Result<PasswordHash, PinError> {
    let h = PasswordHash::new(phc).map_err(|e| PinError::NotArgon2(e.to_string()))?;
    argon2::Algorithm::try_from(h.algorithm.as_str())
        .map_err(|e| PinError::NotArgon2(e.to_string()))?;
    let p = argon2::Params::try_from(&h).map_err(|e| PinError::NotArgon2(e.to_string()))?;
    if p.m_cost() > MAX_MEMORY_KIB || p.t_cost() > MAX_PASSES || p.p_cost() > MAX_LANES {
        return Err(PinError::TooCostly(format!(
            "m={} KiB, t={}, p={}; at most m={MAX_MEMORY_KIB}, t={MAX_PASSES}, p={MAX_LANES}",
            p.m_cost(),
            p.t_cost(),
            p.p_cost()
        )));
    }
    if h.hash.is_none() {
        return Err(PinError::NotArgon2("no hash value".into()));
    }
    Ok(h)
}

/// Whether `pin` matches `phc`. A hash that [`check_hash`] refuses matches nothing.
pub fn verify(pin: &str, phc: &str) -> bool {
    parse(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_bad_ones_are_named() {
        let h = hash("2468").expect("hash");
        assert!(check_hash(&h).is_ok());
        assert!(verify("2468", &h));
        assert!(!verify("2469", &h));
        assert_eq!(hash("12"), Err(PinError::Shape));
        assert_eq!(hash("12a4"), Err(PinError::Shape));
        assert!(matches!(
            check_hash("$2b$12$abcdefghijklmnopqrstuu"),
            Err(PinError::NotArgon2(_))
        ));
        // A syntactically valid PHC string of another scheme would never verify.
        assert!(matches!(
            check_hash(
                "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E"
            ),
            Err(PinError::NotArgon2(_))
        ));
        // 4 TiB of memory: refused instead of aborting the kiosk on the first PIN.
        let costly = h.replace("m=19456", "m=4294967295");
        assert_ne!(costly, h);
        assert!(matches!(check_hash(&costly), Err(PinError::TooCostly(_))));
        assert!(!verify("2468", &costly));
    }
}
