# The services plugin's specs. They need `require "plugin.services"`, which
# only a hivehunt process provides, so busted runs inside `hivehunt lua`.

# hh_services_add_host_busted(NAME SPEC): busted under the host, with the
# plugin built first.
function(hh_services_add_host_busted name spec)
  add_test(NAME ${name}
    COMMAND $<TARGET_FILE:hivehunt> lua ${HH_BUSTED} --output=TAP ${spec}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${HH_TEST_ENV}")
endfunction()

hh_services_add_host_busted(services_corpus ${CMAKE_CURRENT_LIST_DIR}/corpus_spec.lua)
