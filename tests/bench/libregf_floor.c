/* The benchmark's reference line: only the libregf calls a services hunt
 * cannot do without, nothing else (no guard, no raw layer, no Lua, no
 * output). Every ControlSetNNN\Services subkey is opened by index, each of
 * its values read by index (a row carries every value), and Parameters
 * with ServiceDll and ServiceMain looked up by name. Its time against
 * RegRipper's is the best ratio any hunt that reads through libregf can
 * reach.
 *
 *   hh-libregf-floor HIVE    -> prints "keys K values V" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libbfio.h>
#include <libregf.h>

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *d = n > 0 ? malloc((size_t)n) : NULL;
    if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
        free(d);
        d = NULL;
    }
    fclose(f);
    *len = d ? (size_t)n : 0;
    return d;
}

static int is_control_set(libregf_key_t *k)
{
    uint8_t name[64];
    if (libregf_key_get_utf8_name(k, name, sizeof name, NULL) != 1)
        return 0;
    return strncmp((const char *)name, "ControlSet", 10) == 0 && strlen((const char *)name) == 13;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hh-libregf-floor HIVE\n");
        return 2;
    }
    size_t len = 0;
    uint8_t *data = read_file(argv[1], &len);
    libbfio_handle_t *io = NULL;
    libregf_file_t *file = NULL;
    libregf_key_t *root = NULL;
    if (!data || libbfio_memory_range_initialize(&io, NULL) != 1 ||
        libbfio_memory_range_set(io, data, len - len % 4096, NULL) != 1 ||
        libregf_file_initialize(&file, NULL) != 1 ||
        libregf_file_open_file_io_handle(file, io, LIBREGF_OPEN_READ, NULL) != 1 ||
        libregf_file_get_root_key(file, &root, NULL) != 1) {
        fprintf(stderr, "hh-libregf-floor: %s: libregf cannot read it\n", argv[1]);
        return 3;
    }
    long keys = 0, values = 0;
    int nsets = 0;
    libregf_key_get_number_of_sub_keys(root, &nsets, NULL);
    for (int s = 0; s < nsets; s++) {
        libregf_key_t *set = NULL, *services = NULL;
        if (libregf_key_get_sub_key(root, s, &set, NULL) != 1)
            continue;
        if (is_control_set(set) &&
            libregf_key_get_sub_key_by_utf8_name(set, (const uint8_t *)"Services", 8, &services, NULL) == 1) {
            int n = 0;
            libregf_key_get_number_of_sub_keys(services, &n, NULL);
            for (int i = 0; i < n; i++) {
                libregf_key_t *svc = NULL;
                if (libregf_key_get_sub_key(services, i, &svc, NULL) != 1)
                    continue;
                keys++;
                int nv = 0, nsub = 0;
                libregf_key_get_number_of_values(svc, &nv, NULL);
                for (int v = 0; v < nv; v++) {
                    libregf_value_t *val = NULL;
                    if (libregf_key_get_value(svc, v, &val, NULL) == 1) {
                        values++;
                        libregf_value_free(&val, NULL);
                    }
                }
                libregf_key_get_number_of_sub_keys(svc, &nsub, NULL);
                libregf_key_t *params = NULL;
                if (nsub && libregf_key_get_sub_key_by_utf8_name(svc, (const uint8_t *)"Parameters", 10, &params,
                                                                  NULL) == 1) {
                    static const char *const names[] = {"ServiceDll", "ServiceMain"};
                    for (int j = 0; j < 2; j++) {
                        libregf_value_t *val = NULL;
                        if (libregf_key_get_value_by_utf8_name(params, (const uint8_t *)names[j], strlen(names[j]),
                                                               &val, NULL) == 1)
                            libregf_value_free(&val, NULL);
                    }
                    libregf_key_free(&params, NULL);
                }
                libregf_key_free(&svc, NULL);
            }
            libregf_key_free(&services, NULL);
        }
        libregf_key_free(&set, NULL);
    }
    printf("keys %ld values %ld\n", keys, values);
    libregf_key_free(&root, NULL);
    libregf_file_close(file, NULL);
    libregf_file_free(&file, NULL);
    libbfio_handle_free(&io, NULL);
    free(data);
    return 0;
}
