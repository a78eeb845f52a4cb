#include <lzma.h>

// Macros Swift cannot import, re-exported as constants.
static const lzma_vli bw_lzma_filter_lzma2 = LZMA_FILTER_LZMA2;
static const lzma_vli bw_lzma_vli_unknown = LZMA_VLI_UNKNOWN;
static const uint32_t bw_lzma_preset_default = LZMA_PRESET_DEFAULT;

static inline lzma_stream bw_lzma_stream_init(void) {
    lzma_stream s = LZMA_STREAM_INIT;
    return s;
}
