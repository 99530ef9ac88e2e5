/*
 * Serialise an hw_hive as a REGF file: base block, hbins, nk/vk/sk cells,
 * value lists, lf/lh/ri subkey lists, db big data. Hostile options damage the
 * result on purpose after a valid layout has been produced.
 */
#ifndef HW_REGF_WRITE_H
#define HW_REGF_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

typedef struct hw_write_options {
    int64_t truncate_at;   /* >= 0: keep only this many bytes of the file */
    int bad_checksum;      /* store a checksum that does not match */
} hw_write_options;

typedef struct hw_image {
    uint8_t *bytes;
    size_t len;
} hw_image;

/* Build the file image. 0 on success, -1 with a reason in err. */
int hw_regf_build(const hw_hive *h, const hw_write_options *opts, hw_image *out,
                  char *err, size_t errlen);
uint32_t hw_regf_checksum(const uint8_t *base_block);

#endif
