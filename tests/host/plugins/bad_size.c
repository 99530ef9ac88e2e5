/* A descriptor smaller than the ABI needs. */
#include "hivehunt/plugin.h"

static const hh_plugin descriptor = {
    .abi_version = HH_PLUGIN_ABI_VERSION,
    .struct_size = 8,
    .lua_version_num = LUA_VERSION_NUM,
    .name = "bad_size",
};

HH_PLUGIN_DEFINE_ENTRY(descriptor)
