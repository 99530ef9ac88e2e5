# Host tests: the plugin loader, the sandbox, hh.regf, the command line.
set(HH_TEST_PLUGIN_DIR ${CMAKE_BINARY_DIR}/tests/testplugins)
foreach(p good bad_abi bad_lua no_entry bad_size chaintest)
  add_library(testplugin_${p} MODULE ${CMAKE_CURRENT_LIST_DIR}/plugins/${p}.c)
  target_include_directories(testplugin_${p} PRIVATE ${CMAKE_SOURCE_DIR}/include ${HH_LUA_INCLUDE_DIRS})
  target_compile_definitions(testplugin_${p} PRIVATE TEST_PLUGIN_NAME="${p}")
  set_target_properties(testplugin_${p} PROPERTIES PREFIX "" OUTPUT_NAME ${p}
    LIBRARY_OUTPUT_DIRECTORY ${HH_TEST_PLUGIN_DIR} C_VISIBILITY_PRESET hidden)
endforeach()

# Run-key readers for one-pass hunts: one over every user hive, one over SOFTWARE.
add_library(testplugin_userrun MODULE ${CMAKE_CURRENT_LIST_DIR}/plugins/runkeys.c)
target_compile_definitions(testplugin_userrun PRIVATE TEST_PLUGIN_NAME="userrun" RUNKEYS_USERS=1
  RUNKEYS_FIELD="launches" RUNKEYS_REQUIRED=HH_HIVE_BIT\(HH_HIVE_NTUSER\))
add_library(testplugin_machinerun MODULE ${CMAKE_CURRENT_LIST_DIR}/plugins/runkeys.c)
target_compile_definitions(testplugin_machinerun PRIVATE TEST_PLUGIN_NAME="machinerun" RUNKEYS_USERS=0
  RUNKEYS_AFTER="userrun"
  RUNKEYS_FIELD="binary" RUNKEYS_REQUIRED=HH_HIVE_BIT\(HH_HIVE_SOFTWARE\))
foreach(p userrun machinerun)
  target_include_directories(testplugin_${p} PRIVATE ${CMAKE_SOURCE_DIR}/include ${HH_LUA_INCLUDE_DIRS})
  set_target_properties(testplugin_${p} PROPERTIES PREFIX "" OUTPUT_NAME ${p}
    LIBRARY_OUTPUT_DIRECTORY ${HH_TEST_PLUGIN_DIR} C_VISIBILITY_PRESET hidden)
endforeach()

hh_add_ctest(test_loader ${CMAKE_CURRENT_LIST_DIR}/test_loader.c)
target_compile_definitions(test_loader PRIVATE TEST_PLUGIN_DIR="${HH_TEST_PLUGIN_DIR}")
target_include_directories(test_loader PRIVATE ${CMAKE_CURRENT_LIST_DIR})
add_dependencies(test_loader testplugin_good testplugin_bad_abi testplugin_bad_lua testplugin_no_entry testplugin_bad_size testplugin_chaintest
  testplugin_userrun testplugin_machinerun)

hh_add_ctest(test_sandbox ${CMAKE_CURRENT_LIST_DIR}/test_sandbox.c)
target_include_directories(test_sandbox PRIVATE ${CMAKE_CURRENT_LIST_DIR})

hh_add_ctest(test_heap ${CMAKE_CURRENT_LIST_DIR}/test_heap.c)
target_include_directories(test_heap PRIVATE ${CMAKE_CURRENT_LIST_DIR})

hh_add_busted(regf_binding ${CMAKE_CURRENT_LIST_DIR}/regf_spec.lua)
hh_add_busted(cli_bad_input ${CMAKE_CURRENT_LIST_DIR}/cli_spec.lua)

# A parent that cannot grow a child's report buffer (mremap fails).
add_library(hh_fail_mremap MODULE ${CMAKE_CURRENT_LIST_DIR}/fail_mremap.c)
set_target_properties(hh_fail_mremap PROPERTIES PREFIX "" LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
hh_add_busted(isolate_parent ${CMAKE_CURRENT_LIST_DIR}/isolate_spec.lua)
set_property(TEST isolate_parent APPEND PROPERTY ENVIRONMENT "HH_FAIL_MREMAP=$<TARGET_FILE:hh_fail_mremap>")
# A case child that crashes once it has staged some of its reports.
add_library(hh_crash_after_stage MODULE ${CMAKE_CURRENT_LIST_DIR}/crash_after_stage.c)
set_target_properties(hh_crash_after_stage PROPERTIES PREFIX "" LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_link_libraries(hh_crash_after_stage PRIVATE ${CMAKE_DL_LIBS})
hh_add_busted(case_run ${CMAKE_CURRENT_LIST_DIR}/case_spec.lua)
set_property(TEST case_run APPEND PROPERTY ENVIRONMENT "HH_CRASH_AFTER_STAGE=$<TARGET_FILE:hh_crash_after_stage>")
hh_add_busted(policy_layers ${CMAKE_CURRENT_LIST_DIR}/policy_spec.lua)
hh_add_busted(watch_mode ${CMAKE_CURRENT_LIST_DIR}/watch_spec.lua)
hh_add_busted(shell_mode ${CMAKE_CURRENT_LIST_DIR}/shell_spec.lua)
hh_add_busted(service_deleted ${CMAKE_CURRENT_LIST_DIR}/recovered_spec.lua)
hh_add_busted(plugin_chain ${CMAKE_CURRENT_LIST_DIR}/chain_spec.lua)

hh_add_ctest(test_bundle ${CMAKE_CURRENT_LIST_DIR}/test_bundle.c)
target_include_directories(test_bundle PRIVATE ${CMAKE_CURRENT_LIST_DIR})

hh_add_ctest(test_small_alloc ${CMAKE_CURRENT_LIST_DIR}/test_small_alloc.c)
target_include_directories(test_small_alloc PRIVATE ${CMAKE_CURRENT_LIST_DIR})

hh_add_ctest(hive_lend ${CMAKE_CURRENT_LIST_DIR}/test_lend.c)
target_include_directories(hive_lend PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_SOURCE_DIR}/host)
hh_add_busted(onepass ${CMAKE_CURRENT_LIST_DIR}/onepass_spec.lua)
hh_add_busted(onepass_plugins ${CMAKE_CURRENT_LIST_DIR}/onepass_plugins_spec.lua)
