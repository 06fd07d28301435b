/*
 * zstd_no_legacy.c - the static capture binary without zstd's decoders for
 * the pre-1.0 frame formats (v0.5-v0.7, 2016).
 *
 * Debian's libzstd.a is built with legacy support, and its decompressor
 * refers to those decoders, so a static link carries 90 KB of them (DESIGN.md
 * gives the capture binary 1.5 MB).  No kdump file holds such frames: every
 * writer of the format uses zstd 1.x.  Defining the symbols the decompressor
 * asks for keeps the archive's legacy objects out; a legacy frame then fails
 * to decode, as any corrupt page does.  Only static builds link this.
 */
#include <stddef.h>

#define LEGACY_ERROR ((size_t)-1) /* ZSTD_isError() of it is true */

#define NO_LEGACY(v)                                                                               \
    void *ZSTD##v##_createDCtx(void);                                                              \
    void *ZSTD##v##_createDCtx(void)                                                               \
    {                                                                                              \
        return NULL;                                                                               \
    }                                                                                              \
    size_t ZSTD##v##_freeDCtx(void *dctx);                                                         \
    size_t ZSTD##v##_freeDCtx(void *dctx)                                                          \
    {                                                                                              \
        (void)dctx;                                                                                \
        return 0;                                                                                  \
    }                                                                                              \
    size_t ZSTD##v##_decompress_usingDict(void *dctx, void *dst, size_t cap, const void *src,      \
                                          size_t size, const void *dict, size_t dict_size);        \
    size_t ZSTD##v##_decompress_usingDict(void *dctx, void *dst, size_t cap, const void *src,      \
                                          size_t size, const void *dict, size_t dict_size)         \
    {                                                                                              \
        (void)dctx, (void)dst, (void)cap, (void)src, (void)size, (void)dict, (void)dict_size;      \
        return LEGACY_ERROR;                                                                       \
    }                                                                                              \
    void ZSTD##v##_findFrameSizeInfoLegacy(const void *src, size_t size, size_t *csize,            \
                                           unsigned long long *bound);                             \
    void ZSTD##v##_findFrameSizeInfoLegacy(const void *src, size_t size, size_t *csize,            \
                                           unsigned long long *bound)                              \
    {                                                                                              \
        (void)src, (void)size;                                                                     \
        *csize = LEGACY_ERROR;                                                                     \
        *bound = (unsigned long long)-2; /* ZSTD_CONTENTSIZE_ERROR */                              \
    }                                                                                              \
    size_t ZSTD##v##_getFrameParams(void *params, const void *src, size_t size);                   \
    size_t ZSTD##v##_getFrameParams(void *params, const void *src, size_t size)                    \
    {                                                                                              \
        (void)params, (void)src, (void)size;                                                       \
        return LEGACY_ERROR;                                                                       \
    }                                                                                              \
    void *ZBUFF##v##_createDCtx(void);                                                             \
    void *ZBUFF##v##_createDCtx(void)                                                              \
    {                                                                                              \
        return NULL;                                                                               \
    }                                                                                              \
    size_t ZBUFF##v##_freeDCtx(void *dctx);                                                        \
    size_t ZBUFF##v##_freeDCtx(void *dctx)                                                         \
    {                                                                                              \
        (void)dctx;                                                                                \
        return 0;                                                                                  \
    }                                                                                              \
    size_t ZBUFF##v##_decompressInitDictionary(void *dctx, const void *dict, size_t size);         \
    size_t ZBUFF##v##_decompressInitDictionary(void *dctx, const void *dict, size_t size)          \
    {                                                                                              \
        (void)dctx, (void)dict, (void)size;                                                        \
        return LEGACY_ERROR;                                                                       \
    }                                                                                              \
    size_t ZBUFF##v##_decompressContinue(void *dctx, void *dst, size_t *cap, const void *src,      \
                                         size_t *size);                                            \
    size_t ZBUFF##v##_decompressContinue(void *dctx, void *dst, size_t *cap, const void *src,      \
                                         size_t *size)                                             \
    {                                                                                              \
        (void)dctx, (void)dst, (void)cap, (void)src, (void)size;                                   \
        return LEGACY_ERROR;                                                                       \
    }

NO_LEGACY(v05)
NO_LEGACY(v06)
NO_LEGACY(v07)
