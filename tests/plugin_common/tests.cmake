# The code every plugin compiles in (plugins/common): the capped warnings
# list on a real Lua state, and the held host objects against the real host
# services table and a fixture hive (its reference count shows every leak).
hh_add_ctest(plugin_common ${CMAKE_CURRENT_LIST_DIR}/common_test.c
  ${CMAKE_SOURCE_DIR}/plugins/common/held.c ${CMAKE_SOURCE_DIR}/plugins/common/hive_names.c
  ${CMAKE_SOURCE_DIR}/plugins/common/warnings.c)
target_include_directories(plugin_common PRIVATE ${CMAKE_SOURCE_DIR}/plugins/common ${CMAKE_SOURCE_DIR}/host)
set_tests_properties(plugin_common PROPERTIES SKIP_RETURN_CODE 77)
