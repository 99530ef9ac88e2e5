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

# Fixture hives with planted autostart entries (testdata/autoruns/*.spec,
# notes in testdata/README.md), built by hh-mkhive like the shared fixture
# set but registered here: hh_fixture is defined by a test area included
# after this one.
set(HH_AUTORUNS_FIXTURES)
foreach(kind NTUSER SOFTWARE SYSTEM)
  set(out ${HH_TESTDATA_BUILD_DIR}/autoruns/${kind})
  set(spec ${CMAKE_SOURCE_DIR}/testdata/autoruns/${kind}.spec)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${HH_TESTDATA_BUILD_DIR}/autoruns
    COMMAND hh-mkhive ${spec} ${out}
    DEPENDS hh-mkhive ${spec}
    COMMENT "Fixture hive autoruns/${kind}"
    VERBATIM)
  list(APPEND HH_AUTORUNS_FIXTURES ${out})
endforeach()
add_custom_target(fixtures_autoruns ALL DEPENDS ${HH_AUTORUNS_FIXTURES})

# The policy over the fixtures and over the real hives.
hh_autoruns_add_host_busted(autoruns_hunt ${CMAKE_CURRENT_LIST_DIR}/hunt_spec.lua)
hh_autoruns_add_host_busted(autoruns_hostile ${CMAKE_CURRENT_LIST_DIR}/hostile_spec.lua)

# A Lua error at any allocation of a walk must leak no host object (the
# services plugin's test program, given the autoruns plugin and a fixture).
add_executable(autoruns_collect_oom ${CMAKE_SOURCE_DIR}/tests/services/collect_oom_test.c)
target_link_libraries(autoruns_collect_oom PRIVATE hhcore PkgConfig::LUA)
set_target_properties(autoruns_collect_oom PROPERTIES ENABLE_EXPORTS ON)
target_include_directories(autoruns_collect_oom PRIVATE ${CMAKE_SOURCE_DIR}/host)
add_test(NAME autoruns_collect_oom_system COMMAND autoruns_collect_oom autoruns autoruns/SYSTEM 47)
add_test(NAME autoruns_collect_oom_software COMMAND autoruns_collect_oom autoruns autoruns/SOFTWARE 45)
set_tests_properties(autoruns_collect_oom_system autoruns_collect_oom_software PROPERTIES
  ENVIRONMENT "${HH_TEST_ENV}" SKIP_RETURN_CODE 77)
