# The tasks plugin's tests: its blob decoders in plain C, its C half under
# `hivehunt lua` (which preloads plugin.tasks and hh.regf), and its policy on
# fake rows and on the fixture SOFTWARE hives.

hh_add_ctest(tasks_decode ${CMAKE_CURRENT_LIST_DIR}/task_decode_test.c
  ${CMAKE_SOURCE_DIR}/plugins/tasks/task_decode.c)
target_include_directories(tasks_decode PRIVATE ${CMAKE_SOURCE_DIR}/plugins/tasks)

# busted inside `hivehunt lua`: plugin.tasks exists only in a hivehunt process.
function(hh_tasks_add_host_busted name spec)
  add_test(NAME ${name}
    COMMAND $<TARGET_FILE:hivehunt> lua ${HH_BUSTED} --output=TAP ${spec}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${HH_TEST_ENV}")
endfunction()

hh_tasks_add_host_busted(tasks_collect ${CMAKE_CURRENT_LIST_DIR}/collect_spec.lua)

# The policy on hand-made rows (plain busted).
hh_add_busted(tasks_rules ${CMAKE_CURRENT_LIST_DIR}/rules_spec.lua)
hh_tasks_add_host_busted(tasks_fixtures ${CMAKE_CURRENT_LIST_DIR}/fixtures_spec.lua)

# A Lua error at any allocation of a walk must leak no host object (the
# services plugin's test program, given the tasks plugin and fixture).
add_executable(tasks_collect_oom ${CMAKE_SOURCE_DIR}/tests/services/collect_oom_test.c)
target_link_libraries(tasks_collect_oom PRIVATE hhcore PkgConfig::LUA)
set_target_properties(tasks_collect_oom PROPERTIES ENABLE_EXPORTS ON)
target_include_directories(tasks_collect_oom PRIVATE ${CMAKE_SOURCE_DIR}/host)
add_test(NAME tasks_collect_oom COMMAND tasks_collect_oom tasks tasks/compromised/SOFTWARE 137)
set_tests_properties(tasks_collect_oom PROPERTIES ENVIRONMENT "${HH_TEST_ENV}" SKIP_RETURN_CODE 77)
