# The tasks plugin's tests: its blob decoders in plain C, its C half under
# `hivehunt lua` (which preloads plugin.tasks and hh.regf), and its policy on
# fake rows and on the fixture SOFTWARE hives.

hh_add_ctest(tasks_decode ${CMAKE_CURRENT_LIST_DIR}/task_decode_test.c
  ${CMAKE_SOURCE_DIR}/plugins/tasks/task_decode.c)
target_include_directories(tasks_decode PRIVATE ${CMAKE_SOURCE_DIR}/plugins/tasks)
