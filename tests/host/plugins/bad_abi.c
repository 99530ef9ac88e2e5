/* Claims a future plugin ABI: the host must refuse it. */
#include "hivehunt/plugin.h"

static int open_lua(lua_State *L) { (void)L; return 0; }

static const hh_plugin descriptor = {
    .abi_version = HH_PLUGIN_ABI_VERSION + 1,
    .struct_size = sizeof(hh_plugin),
    .lua_version_num = LUA_VERSION_NUM,
    .name = "bad_abi",
    .version = "0",
    .open_lua = open_lua,
};

HH_PLUGIN_DEFINE_ENTRY(descriptor)
