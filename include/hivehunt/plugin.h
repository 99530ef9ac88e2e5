/*
 * hivehunt plugin ABI: the only header a plugin includes.
 *
 * A plugin is a shared object `<name>.so` in a plugin directory. It exports
 * exactly one symbol, HH_PLUGIN_ENTRY_SYMBOL, returning a const descriptor.
 * The host checks abi_version, struct_size and lua_version_num before using
 * anything else in the descriptor, and refuses a mismatch with one line.
 *
 * Plugins never link liblua or libregf. Lua symbols come from the host
 * process (one Lua per process); registry access goes through the host
 * services table below, which is append-only: new members are added at the
 * end and struct_size tells a plugin which members its host has.
 *
 * Conventions (libregf's): functions returning int answer 1 found / 0 absent
 * / -1 error; on -1 a one-line reason is written to the caller's buffer.
 * Objects a function hands out (hh_key, hh_value) are owned by the caller and
 * released with the matching *_free, which also sets the pointer to NULL.
 */
#ifndef HIVEHUNT_PLUGIN_H
#define HIVEHUNT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <lua.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HH_PLUGIN_ABI_VERSION 1
#define HH_PLUGIN_ENTRY_SYMBOL "hivehunt_plugin_entry"

#if defined(__GNUC__)
#define HH_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define HH_PLUGIN_EXPORT
#endif

/* Opaque host objects. A key keeps its hive's data alive only while the hive
 * is open; after hh_hive close every call on its keys answers -1. */
typedef struct hh_hive hh_hive;
typedef struct hh_key hh_key;
typedef struct hh_value hh_value;

/* Registry value types, as stored in the hive. */
enum hh_value_type {
    HH_REG_NONE = 0,
    HH_REG_SZ = 1,
    HH_REG_EXPAND_SZ = 2,
    HH_REG_BINARY = 3,
    HH_REG_DWORD = 4,
    HH_REG_DWORD_BIG_ENDIAN = 5,
    HH_REG_LINK = 6,
    HH_REG_MULTI_SZ = 7,
    HH_REG_RESOURCE_LIST = 8,
    HH_REG_FULL_RESOURCE_DESCRIPTOR = 9,
    HH_REG_RESOURCE_REQUIREMENTS_LIST = 10,
    HH_REG_QWORD = 11
};

/* Hive kinds, detected from content (not from the file name). */
enum hh_hive_kind {
    HH_HIVE_OTHER = 0,
    HH_HIVE_SYSTEM,
    HH_HIVE_SOFTWARE,
    HH_HIVE_NTUSER,
    HH_HIVE_SAM,
    HH_HIVE_SECURITY
};

/* Services the host offers a plugin. Append-only. */
typedef struct hh_host_api {
    uint32_t struct_size;   /* sizeof(hh_host_api) of the host */
    uint32_t abi_version;   /* HH_PLUGIN_ABI_VERSION of the host */

    /* Diagnostics: a warning line on stderr prefixed with the plugin name. */
    void (*warn)(const char *plugin, const char *fmt, ...);

    /* The hh_hive behind a Lua `hh.hive` userdata at stack index idx; raises
     * a Lua error if the value is not an open hive. */
    hh_hive *(*check_hive)(lua_State *L, int idx);
    const char *(*hive_path)(const hh_hive *hive);
    int (*hive_kind)(const hh_hive *hive); /* enum hh_hive_kind */

    /* Keys. Paths are backslash-separated, relative to the root key, matched
     * case-insensitively ("" is the root). base NULL means the root. */
    int (*key_open)(hh_hive *hive, hh_key *base, const char *path, hh_key **out,
                    char *err, size_t errlen);
    int (*key_subkey_count)(hh_key *key, int *count, char *err, size_t errlen);
    int (*key_subkey_at)(hh_key *key, int index, hh_key **out, char *err, size_t errlen);
    const char *(*key_name)(hh_key *key);          /* UTF-8, never NULL */
    const char *(*key_path)(hh_key *key);          /* UTF-8, relative to root */
    uint64_t (*key_last_write)(hh_key *key);       /* FILETIME, 0 if unknown */
    int (*key_value_count)(hh_key *key, int *count, char *err, size_t errlen);
    int (*key_value_at)(hh_key *key, int index, hh_value **out, char *err, size_t errlen);
    /* name "" is the default value. */
    int (*key_value)(hh_key *key, const char *name, hh_value **out, char *err, size_t errlen);
    void (*key_free)(hh_key **key);

    /* Values. Data is the raw bytes as stored (never truncated at a NUL). */
    const char *(*value_name)(hh_value *value);    /* UTF-8, "" for default */
    uint32_t (*value_type)(hh_value *value);
    int (*value_data)(hh_value *value, const uint8_t **data, size_t *len,
                      char *err, size_t errlen);
    void (*value_free)(hh_value **value);

    /* Push onto L the Lua form of a value's data, decoded by type as
     * hh.regf's value:data() does. Returns 1, or -1 with a message. */
    int (*push_value_data)(lua_State *L, hh_value *value, char *err, size_t errlen);

    /* FILETIME to ISO 8601 UTC ("2012-04-04T18:52:11Z"); buf >= 32 bytes.
     * Returns buf, or "" for 0. */
    const char *(*filetime_iso)(uint64_t filetime, char *buf, size_t buflen);

    /* 1 when the key was recovered from unallocated space rather than
     * reached from the live tree. */
    int (*key_is_recovered)(hh_key *key);

    /* Keys recovered from unallocated cells (deleted keys), in file order.
     * Their key_path is the best path that still resolves ("<orphan>\Name"
     * when the parent is gone); key_is_recovered answers 1 for them and
     * their values read like any other. */
    int (*hive_deleted_key_count)(hh_hive *hive);
    int (*hive_deleted_key_at)(hh_hive *hive, int index, hh_key **out, char *err, size_t errlen);

    /* The account a user hive (NTUSER.DAT) belongs to: from the case layout
     * (Users\<name>\NTUSER.DAT) or the path Windows wrote into its base
     * block. NULL for machine hives or when it cannot be told. */
    const char *(*hive_user)(const hh_hive *hive);
} hh_host_api;

/* A bit per hive kind, for hh_plugin.hives_required / hives_optional. */
#define HH_HIVE_BIT(kind) (1u << (unsigned)(kind))

/* The descriptor a plugin returns. The first three members never move. */
typedef struct hh_plugin {
    uint32_t abi_version;      /* HH_PLUGIN_ABI_VERSION the plugin was built for */
    uint32_t struct_size;      /* sizeof(hh_plugin) the plugin was built with */
    int lua_version_num;       /* LUA_VERSION_NUM the plugin was built with */
    const char *name;          /* "services": module "plugin.services", lua/services.lua */
    const char *version;
    const char *description;
    /* Called once after loading; host outlives the plugin. Return 0, or -1
     * with a reason in err. */
    int (*init)(const hh_host_api *host, char *err, size_t errlen);
    /* lua_CFunction opening `require "plugin.<name>"`. */
    int (*open_lua)(lua_State *L);
    /* Called before dlclose; may be NULL. */
    void (*shutdown)(void);

    /* ---- appended: a host reads these only when struct_size covers them ---- */

    /* Hive kinds the plugin reads, as HH_HIVE_BIT masks. The host runs it when
     * every required kind was given and, when nothing is required, when at
     * least one optional kind was. A plugin whose descriptor ends before
     * these members, or that leaves both masks 0, reads SYSTEM (required)
     * and SOFTWARE (optional) and is called the old way.
     *
     * A plugin that declares them is called as collect(hives), where
     *   hives = { system = hive|nil, software = hive|nil,
     *             users = { hive, ... } }      -- user hives, each hive.user set
     * (hive.user: the account, or nil when it cannot be told; hive_user()
     * below answers the same in C) and one that does not as
     * collect(system, software).
     *
     * collect returns the input its policy reads: { plugin = name,
     * rows = { row, ... }, warnings = { line, ... }, hive = { path, ... }? }.
     * Every row carries the fields that locate it: hive (the file's path as
     * hive.path gives it), hive_kind ("SYSTEM", "SOFTWARE", "NTUSER"), key
     * (path inside the hive), value (value name, nil when the key is the
     * entry) and, from a user hive, user. A row that starts a program says
     * which, for the correlation policy (lua/correlate.lua): binary = the
     * path of what runs, or launches = a command line (or a list of them).
     * Findings the policy leaves without hive, hive_kind or user get them
     * from the row with the same key (and value), or from the plugin's only
     * hive; plugin is always the plugin's name. */
    uint32_t hives_required;
    uint32_t hives_optional;
    /* Names of plugins whose rows this plugin's policy reads at
     * input.previous[name]: they run before it when present. NULL-terminated;
     * NULL for none. (Every later plugin's policy sees input.previous when
     * several run; this only fixes the order.) */
    const char *const *reads_rows_of;
} hh_plugin;

/* The size of the first ABI-1 descriptor, before the appended members: the
 * smallest descriptor a host accepts. */
#define HH_PLUGIN_MIN_STRUCT_SIZE offsetof(hh_plugin, hives_required)

typedef const hh_plugin *(*hh_plugin_entry_fn)(void);

/* Declare the entry point in a plugin:
 *   HH_PLUGIN_DEFINE_ENTRY(my_descriptor)
 */
#define HH_PLUGIN_DEFINE_ENTRY(descriptor) \
    HH_PLUGIN_EXPORT const hh_plugin *hivehunt_plugin_entry(void) { return &(descriptor); }

#ifdef __cplusplus
}
#endif
#endif
