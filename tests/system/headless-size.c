// Test-only: sizes wlroots' headless output (cage 0.1.4 makes it 1280x720) from
// TEST_HEADLESS_SIZE=WxH.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
struct wlr_backend; struct wlr_output;
struct wlr_output *wlr_headless_add_output(struct wlr_backend *b, unsigned int w, unsigned int h) {
    struct wlr_output *(*real)(struct wlr_backend *, unsigned int, unsigned int) =
        dlsym(RTLD_NEXT, "wlr_headless_add_output");
    const char *s = getenv("TEST_HEADLESS_SIZE");
    if (s) { char *e; w = strtoul(s, &e, 10); if (*e == 'x') h = strtoul(e + 1, NULL, 10); }
    return real(b, w, h);
}
