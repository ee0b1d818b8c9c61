//! Compiles the kiosk's Slint UI (`ui/main.slint`) with the English translation bundled and the
//! debug info that the headless UI tests need to find elements.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("ui/translations")
        // The .po file has no msgctxt: one translation per source string, whatever component
        // shows it.
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/main.slint", config) {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
