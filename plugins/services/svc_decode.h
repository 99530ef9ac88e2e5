/* Pure decoding helpers of the services plugin: no Lua, no host calls, so a
 * C unit test can exercise them on hand-made bytes. */
#ifndef HH_SVC_DECODE_H
#define HH_SVC_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* "boot", "system", "auto", "demand", "disabled", or "unknown(N)" into buf. */
const char *svc_start_name(int64_t start, char *buf, size_t buflen);
/* "kernel_driver", "own_process", ... or "unknown(0xNN)" into buf. */
const char *svc_type_name(int64_t type, char *buf, size_t buflen);

/* An integer stored with whatever type: DWORD (also short ones), big-endian
 * DWORD, QWORD, or 1..8 bytes of other binary data, little-endian. Returns 1
 * and sets *out, or 0 when the bytes cannot be an integer. *exact is 1 when
 * the type and size were the proper ones (REG_DWORD of 4 bytes, QWORD of 8). */
int svc_int_from_bytes(uint32_t type, const uint8_t *data, size_t len, int64_t *out, int *exact);
/* A decimal integer written as text ("2", " 4 "); 1 and *out, or 0. */
int svc_int_from_text(const char *s, size_t len, int64_t *out);

/* What svchost.exe is asked to run, parsed from an ImagePath. */
typedef struct svc_svchost_args {
    int is_svchost;        /* the executable is svchost.exe */
    const char *group;     /* -k argument, points into the ImagePath (not NUL-terminated) */
    size_t group_len;
    int p_flag;            /* -p present */
    const char *service;   /* -s argument */
    size_t service_len;
} svc_svchost_args;
void svc_parse_svchost(const char *image_path, size_t len, svc_svchost_args *out);

/* Lowercase hex of data into a malloc'd string (2*len+1), NULL on no memory. */
char *svc_hex(const uint8_t *data, size_t len);

/* FILETIME to Unix seconds (floor). */
int64_t svc_filetime_unix(uint64_t ft);

#endif
