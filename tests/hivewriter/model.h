/*
 * The in-memory hive a spec describes: keys, values and hive-level settings.
 * Names and strings are UTF-16 code-unit arrays so a spec can plant anything
 * Windows could store, lone surrogates included.
 */
#ifndef HW_MODEL_H
#define HW_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct hw_str {
    uint16_t *u;
    size_t n;
} hw_str;

typedef struct hw_value {
    hw_str name;      /* empty: the key's default value */
    uint32_t type;
    uint8_t *data;
    size_t len;
} hw_value;

typedef struct hw_key {
    hw_str name;
    hw_str class_name;
    int has_class;
    uint64_t last_write;      /* FILETIME; used when has_last_write */
    int has_last_write;
    int deleted;              /* written, then its cells freed and unlinked */
    int64_t lie_cell_size;    /* hostile: nk cell size field replaced (0: no) */
    int self_cycle;           /* hostile: subkey list also points at this key */
    struct hw_key *parent;
    struct hw_key **sub;
    size_t nsub, capsub;
    hw_value *val;
    size_t nval, capval;
} hw_key;

typedef struct hw_hive {
    hw_key *root;
    hw_str file_name;            /* base block embedded name */
    uint64_t default_last_write; /* for keys without @lastwrite */
    uint64_t timestamp;          /* base block and first hbin */
    uint32_t minor;              /* 3 or 5 (major is always 1) */
    int dirty;                   /* sequence numbers differ */
    unsigned ri_threshold;       /* max entries per subkey list before ri */
} hw_hive;

/* All allocation failures abort: this is a test tool, not a library. */
void *hw_xmalloc(size_t n);
void *hw_xrealloc(void *p, size_t n);

hw_str hw_str_from_ascii(const char *s);
hw_str hw_str_dup(hw_str s);
int hw_str_casecmp(hw_str a, hw_str b); /* Windows-style: compare uppercased units */
uint16_t hw_upcase(uint16_t c);
void hw_str_free(hw_str *s);

hw_hive *hw_hive_new(void);
void hw_hive_free(hw_hive *h);

hw_key *hw_key_new(hw_str name, hw_key *parent); /* takes ownership of name */
void hw_key_free(hw_key *k);
hw_key *hw_key_child(const hw_key *k, hw_str name);
/* Detach k from its parent and free it. */
void hw_key_remove(hw_key *k);
/* Deep copy of src (values, subkeys, attributes) under parent as name. */
hw_key *hw_key_copy(const hw_key *src, hw_key *parent, hw_str name);
/* Replace a same-named value or append. Takes ownership of v's buffers. */
void hw_key_set_value(hw_key *k, hw_value *v);
int hw_key_delete_value(hw_key *k, hw_str name);

/* Resolve a path given as segments; create missing keys when create != 0. */
hw_key *hw_hive_lookup(hw_hive *h, hw_str *segs, size_t nsegs, int create);
/* Same, from a plain ASCII path "A\B\C" (for CLI options). */
hw_key *hw_hive_lookup_ascii(hw_hive *h, const char *path);

#endif
