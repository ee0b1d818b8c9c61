//! The size of the screen the kiosk is about to open on, asked of the Wayland compositor before
//! the first window exists. Under cage 0.1.4 the kiosk learns the output's size only after its
//! first frame is on the screen (cage maximises a window when it maps, and the first configure
//! leaves the size to the client), so without this the first frame is drawn at the design size
//! (1920×1080) and, on an output whose frames are scanned out directly, can stay there. Owns the
//! `wayland-client` crate (a connection of its own, closed before the window opens its own).

use wayland_client::protocol::{wl_output, wl_registry};
use wayland_client::{Connection, Dispatch, QueueHandle, WEnum};

/// One output as the compositor describes it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Output {
    /// The current mode in the panel's own pixels.
    mode: Option<(i32, i32)>,
    /// A quarter or three-quarter turn swaps width and height.
    turned: bool,
    scale: i32,
}

impl Output {
    /// The size in pixels of a window filling this output. Only for an output at scale 1 (as
    /// cage makes them): on a scaled one the window's buffer size depends on a scale winit learns
    /// only once the window is on the output, so the compositor's configure decides.
    fn window_size(&self) -> Option<(u32, u32)> {
        let (w, h) = self.mode?;
        let (w, h) = if self.turned { (h, w) } else { (w, h) };
        (self.scale <= 1 && w > 0 && h > 0).then_some((w as u32, h as u32))
    }
}

#[derive(Default)]
struct State {
    outputs: Vec<Output>,
}

impl Dispatch<wl_registry::WlRegistry, ()> for State {
    fn event(
        state: &mut Self,
        registry: &wl_registry::WlRegistry,
        event: wl_registry::Event,
        _: &(),
        _: &Connection,
        qh: &QueueHandle<Self>,
    ) {
        if let wl_registry::Event::Global {
            name,
            interface,
            version,
        } = event
            && interface == "wl_output"
        {
            let index = state.outputs.len();
            state.outputs.push(Output {
                scale: 1,
                ..Output::default()
            });
            registry.bind::<wl_output::WlOutput, _, _>(name, version.min(2), qh, index);
        }
    }
}

impl Dispatch<wl_output::WlOutput, usize> for State {
    fn event(
        state: &mut Self,
        _: &wl_output::WlOutput,
        event: wl_output::Event,
        index: &usize,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        let Some(out) = state.outputs.get_mut(*index) else {
            return;
        };
        match event {
            wl_output::Event::Geometry { transform, .. } => {
                use wl_output::Transform as T;
                out.turned = matches!(
                    transform,
                    WEnum::Value(T::_90 | T::_270 | T::Flipped90 | T::Flipped270)
                );
            }
            wl_output::Event::Mode {
                flags,
                width,
                height,
                ..
            } => {
                let current = match flags {
                    WEnum::Value(f) => f.contains(wl_output::Mode::Current),
                    WEnum::Unknown(_) => false,
                };
                if current {
                    out.mode = Some((width, height));
                }
            }
            wl_output::Event::Scale { factor } => out.scale = factor,
            _ => {}
        }
    }
}

/// The size of the one output a full-screen window would cover, or `None` when the kiosk does
/// not run on Wayland, the compositor does not answer, or there is not exactly one output (then
/// the window takes the size the compositor gives it, as before).
pub fn single_output_size() -> Option<(u32, u32)> {
    if std::env::var_os("WAYLAND_DISPLAY").is_none() {
        tracing::info!("output size unknown: WAYLAND_DISPLAY is not set");
        return None;
    }
    let conn = match Connection::connect_to_env() {
        Ok(c) => c,
        Err(e) => {
            tracing::info!("output size unknown: no Wayland connection: {e}");
            return None;
        }
    };
    let mut queue = conn.new_event_queue::<State>();
    let qh = queue.handle();
    conn.display().get_registry(&qh, ());
    let mut state = State::default();
    // The first round trip lists the globals (and binds the outputs), the second brings each
    // output's geometry, mode and scale.
    for _ in 0..2 {
        if let Err(e) = queue.roundtrip(&mut state) {
            tracing::info!("output size unknown: {e}");
            return None;
        }
    }
    match state.outputs.as_slice() {
        [one] => {
            let size = one.window_size();
            if size.is_none() {
                tracing::info!("output size unknown: the compositor said {one:?}");
            }
            size
        }
        many => {
            tracing::info!(
                "output size: {} outputs; the compositor sizes the window",
                many.len()
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turned_output_swaps_its_mode_and_a_scaled_one_is_left_to_the_compositor() {
        let plain = Output {
            mode: Some((1280, 720)),
            turned: false,
            scale: 1,
        };
        assert_eq!(plain.window_size(), Some((1280, 720)));
        let turned = Output {
            turned: true,
            ..plain
        };
        assert_eq!(turned.window_size(), Some((720, 1280)));
        let hidpi = Output {
            mode: Some((3840, 2160)),
            turned: false,
            scale: 2,
        };
        assert_eq!(hidpi.window_size(), None);
        let no_mode = Output {
            mode: None,
            ..plain
        };
        assert_eq!(no_mode.window_size(), None);
        let zero = Output {
            mode: Some((0, 720)),
            ..plain
        };
        assert_eq!(zero.window_size(), None);
    }
}
