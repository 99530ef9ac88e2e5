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
