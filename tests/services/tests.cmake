# The services plugin's specs. They need `require "plugin.services"`, which
# only a hivehunt process provides, so busted runs inside `hivehunt lua`.

# hh_services_add_host_busted(NAME SPEC): busted under the host, which
# preloads hh.regf and every plugin found on HIVEHUNT_PLUGIN_PATH.
function(hh_services_add_host_busted name spec)
  add_test(NAME ${name}
    COMMAND $<TARGET_FILE:hivehunt> lua ${HH_BUSTED} --output=TAP ${spec}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${HH_TEST_ENV}")
endfunction()

hh_services_add_host_busted(services_corpus ${CMAKE_CURRENT_LIST_DIR}/corpus_spec.lua)
hh_services_add_host_busted(services_hostile ${CMAKE_CURRENT_LIST_DIR}/hostile_spec.lua)

# The plugin's pure decoders, compiled into a plain C test.
hh_add_ctest(services_decode ${CMAKE_CURRENT_LIST_DIR}/svc_decode_test.c
  ${CMAKE_SOURCE_DIR}/plugins/services/svc_decode.c ${CMAKE_SOURCE_DIR}/plugins/common/hive_names.c)
target_include_directories(services_decode PRIVATE ${CMAKE_SOURCE_DIR}/plugins/services ${CMAKE_SOURCE_DIR}/plugins/common)
hh_services_add_host_busted(services_fixtures ${CMAKE_CURRENT_LIST_DIR}/fixtures_spec.lua)

# A Lua error at any allocation of a walk must leak no host object.
hh_add_ctest(services_collect_oom ${CMAKE_CURRENT_LIST_DIR}/collect_oom_test.c)
target_include_directories(services_collect_oom PRIVATE ${CMAKE_SOURCE_DIR}/host)
set_tests_properties(services_collect_oom PROPERTIES SKIP_RETURN_CODE 77)
