/* Layer: base, the bottom. May call: libc only. */
/* Where the shipped plugins and Lua are, found from the running binary
 * (/proc/self/exe) so that an install tree works wherever it is moved:
 * a binary inside its build tree uses that tree; any other uses the
 * folders at their install paths relative to its own (HH_REL_PLUGIN_DIR,
 * HH_REL_LUA_DIR: e.g. ../lib/hivehunt/plugins); failing both, the
 * configure-time install paths. */
#ifndef HH_SELFDIR_H
#define HH_SELFDIR_H

const char *hh_default_plugin_dir(void);
const char *hh_default_lua_dir(void);

/* The folder of the running binary ("" when /proc/self/exe cannot be read). */
const char *hh_self_dir(void);

#endif
