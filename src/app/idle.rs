//! When an unattended kiosk goes back to its start screen. A pure policy: given the time of the
//! last touch and the time now, say whether the citizen is still active, should be warned (with
//! a countdown they can dismiss with one tap, WCAG 2.2.1 "Timing Adjustable"), or has left and
//! the screen, query and display settings must be reset for the next person; and when the
//! untouched start screen gives way to the invitation ("attract") screen, and where on its slow
//! path that screen's content is.

use std::time::{Duration, Instant};

/// How long the kiosk waits: `timeout` without a touch, then a countdown of `warning`, then the
/// reset (the same meaning as `[idle] timeout_seconds` and `warning_seconds` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdlePolicy {
    /// From the last touch to the warning.
    pub timeout: Duration,
    /// How long the countdown is shown before the reset; at least [`Self::MIN_WARNING`].
    pub warning: Duration,
    /// How long the untouched start screen waits before the invitation screen; `None`: never.
    pub attract: Option<Duration>,
}

/// What the screen should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleState {
    Active,
    /// Show the countdown; `seconds_left` counts down to 1.
    Warning {
        seconds_left: u32,
    },
    /// Go back to the start screen and forget everything the last person did.
    Reset,
}

impl IdlePolicy {
    /// The shortest countdown allowed: a person who is reading needs time to notice it and tap.
    pub const MIN_WARNING: Duration = Duration::from_secs(20);

    /// A policy with the warning raised to at least [`Self::MIN_WARNING`].
    pub fn new(timeout: Duration, warning: Duration) -> Self {
        IdlePolicy {
            timeout,
            warning: warning.max(Self::MIN_WARNING),
            attract: None,
        }
    }

    /// How long the invitation screen's content stays in one place: it moves slowly against
    /// burn-in, one jump every this long, so the screen is redrawn once in that time and never
    /// animates frame by frame.
    pub const ATTRACT_STEP: Duration = Duration::from_secs(8);

    /// This policy with the invitation screen after `after` of an untouched start screen
    /// (`[idle] attract_seconds`; zero: never).
    pub fn with_attract(self, after: Duration) -> Self {
        IdlePolicy {
            attract: (!after.is_zero()).then_some(after),
            ..self
        }
    }

    /// The untouched start screen, `quiet` after the last touch or reset: `None` while it
    /// stays, else the invitation screen's step on its path (one more every
    /// [`Self::ATTRACT_STEP`]).
    pub fn attract_step(&self, quiet: Duration) -> Option<u32> {
        let after = self.attract?;
        let shown = quiet.checked_sub(after)?;
        let step = shown.as_secs() / Self::ATTRACT_STEP.as_secs();
        Some(u32::try_from(step).unwrap_or(u32::MAX))
    }

    /// From the last touch to the reset.
    pub fn total(&self) -> Duration {
        self.timeout + self.warning
    }

    pub fn state(&self, last_touch: Instant, now: Instant) -> IdleState {
        let idle = now.saturating_duration_since(last_touch);
        if idle < self.timeout {
            return IdleState::Active;
        }
        if idle >= self.total() {
            return IdleState::Reset;
        }
        let left = self.total() - idle;
        // Round up: the countdown shows 30 … 1, never 0.
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        IdleState::Warning {
            seconds_left: u32::try_from(secs).unwrap_or(u32::MAX),
        }
    }
}

impl Default for IdlePolicy {
    /// 90 seconds without a touch, then a 30-second countdown (the config defaults).
    fn default() -> Self {
        IdlePolicy::new(Duration::from_secs(90), Duration::from_secs(30))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(p: &IdlePolicy, secs: f64) -> IdleState {
        let t0 = Instant::now();
        p.state(t0, t0 + Duration::from_secs_f64(secs))
    }

    #[test]
    fn active_then_warning_then_reset() {
        let p = IdlePolicy::default();
        assert_eq!(at(&p, 0.0), IdleState::Active);
        assert_eq!(at(&p, 89.9), IdleState::Active);
        assert_eq!(at(&p, 90.0), IdleState::Warning { seconds_left: 30 });
        assert_eq!(at(&p, 90.5), IdleState::Warning { seconds_left: 30 });
        assert_eq!(at(&p, 91.0), IdleState::Warning { seconds_left: 29 });
        assert_eq!(at(&p, 119.2), IdleState::Warning { seconds_left: 1 });
        assert_eq!(at(&p, 120.0), IdleState::Reset);
        assert_eq!(at(&p, 5000.0), IdleState::Reset);
    }

    #[test]
    fn a_touch_starts_over() {
        let p = IdlePolicy::default();
        let t0 = Instant::now();
        let now = t0 + Duration::from_secs(100);
        assert!(matches!(p.state(t0, now), IdleState::Warning { .. }));
        assert_eq!(p.state(now, now), IdleState::Active);
    }

    #[test]
    fn the_warning_is_never_shorter_than_20_seconds() {
        let p = IdlePolicy::new(Duration::from_secs(10), Duration::from_secs(5));
        assert_eq!(p.warning, Duration::from_secs(20));
        assert_eq!(at(&p, 9.0), IdleState::Active);
        assert_eq!(at(&p, 10.0), IdleState::Warning { seconds_left: 20 });
        assert_eq!(at(&p, 30.0), IdleState::Reset);
        let p = IdlePolicy::new(Duration::from_secs(0), Duration::from_secs(45));
        assert_eq!(at(&p, 0.0), IdleState::Warning { seconds_left: 45 });
    }

    #[test]
    fn the_invitation_comes_after_the_quiet_start_screen_and_moves_every_8_seconds() {
        let p = IdlePolicy::default();
        assert_eq!(
            p.attract_step(Duration::from_secs(100_000)),
            None,
            "off by default"
        );
        let p = p.with_attract(Duration::from_secs(60));
        assert_eq!(p.attract_step(Duration::from_secs(59)), None);
        assert_eq!(p.attract_step(Duration::from_secs(60)), Some(0));
        assert_eq!(p.attract_step(Duration::from_secs(67)), Some(0));
        assert_eq!(p.attract_step(Duration::from_secs(68)), Some(1));
        assert_eq!(p.attract_step(Duration::from_secs(60 + 8 * 100)), Some(100));
        assert_eq!(p.with_attract(Duration::ZERO).attract, None);
        assert_eq!(
            p.with_attract(Duration::ZERO)
                .attract_step(Duration::from_secs(3600)),
            None
        );
    }

    #[test]
    fn a_clock_going_backwards_counts_as_a_fresh_touch() {
        let p = IdlePolicy::default();
        let t0 = Instant::now() + Duration::from_secs(10);
        assert_eq!(p.state(t0, t0 - Duration::from_secs(5)), IdleState::Active);
    }
}
