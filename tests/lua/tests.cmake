# Busted specs for the pure-Lua policy layer (lua/hh/*.lua, lua/services.lua).
hh_add_busted(lua_paths ${CMAKE_CURRENT_LIST_DIR}/paths_spec.lua)
hh_add_busted(lua_services_rules ${CMAKE_CURRENT_LIST_DIR}/services_rules_spec.lua)
hh_add_busted(lua_sandbox_policy ${CMAKE_CURRENT_LIST_DIR}/sandbox_policy_spec.lua)
