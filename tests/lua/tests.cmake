# Busted specs for the pure-Lua policy layer (lua/hh/*.lua, lua/services.lua).
hh_add_busted(lua_paths ${CMAKE_CURRENT_LIST_DIR}/paths_spec.lua)
hh_add_busted(lua_paths_fastpath ${CMAKE_CURRENT_LIST_DIR}/paths_fastpath_spec.lua)
hh_add_busted(lua_paths_memo ${CMAKE_CURRENT_LIST_DIR}/paths_memo_spec.lua)
hh_add_busted(lua_services_rules ${CMAKE_CURRENT_LIST_DIR}/services_rules_spec.lua)
hh_add_busted(lua_services_shared_facts ${CMAKE_CURRENT_LIST_DIR}/services_shared_facts_spec.lua)
hh_add_busted(lua_sandbox_policy ${CMAKE_CURRENT_LIST_DIR}/sandbox_policy_spec.lua)

# The policy on real hives: rows from the services plugin, which only a
# hivehunt process provides, so busted runs inside `hivehunt lua`.
add_test(NAME lua_corpus_hunt
  COMMAND $<TARGET_FILE:hivehunt> lua ${HH_BUSTED} --output=TAP ${CMAKE_CURRENT_LIST_DIR}/corpus_hunt_spec.lua
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(lua_corpus_hunt PROPERTIES ENVIRONMENT "${HH_TEST_ENV}")

# The policy on the synthetic fixtures (built by tests/hivewriter).
add_test(NAME lua_fixtures_hunt
  COMMAND $<TARGET_FILE:hivehunt> lua ${HH_BUSTED} --output=TAP ${CMAKE_CURRENT_LIST_DIR}/fixtures_hunt_spec.lua
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(lua_fixtures_hunt PROPERTIES ENVIRONMENT "${HH_TEST_ENV}")
hh_add_busted(lua_correlate ${CMAKE_CURRENT_LIST_DIR}/correlate_spec.lua)
