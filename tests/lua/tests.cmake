# Busted specs for the pure-Lua policy layer (lua/hh/*.lua, lua/services.lua).
hh_add_busted(lua_paths ${CMAKE_CURRENT_LIST_DIR}/paths_spec.lua)
