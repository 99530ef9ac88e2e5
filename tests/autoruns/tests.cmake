# The autoruns plugin's specs. plugin.autoruns exists only inside a hivehunt
# process, so busted runs under `hivehunt lua` (which preloads hh.regf and
# every plugin on HIVEHUNT_PLUGIN_PATH).
function(hh_autoruns_add_host_busted name spec)
  add_test(NAME ${name}
    COMMAND $<TARGET_FILE:hivehunt> lua ${HH_BUSTED} --output=TAP ${spec}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${HH_TEST_ENV}")
endfunction()

hh_autoruns_add_host_busted(autoruns_collect ${CMAKE_CURRENT_LIST_DIR}/collect_spec.lua)

# The policy on hand-made rows (plain busted: no plugin needed).
hh_add_busted(autoruns_policy ${CMAKE_CURRENT_LIST_DIR}/policy_spec.lua)
