# The hive fuzz target (issue 7). fuzz_hive_replay runs the same entry point
# over files without libFuzzer (any compiler; the hostile tests use it for
# in-process mutations). fuzz_hive, the libFuzzer binary, exists only in a
# -DHH_FUZZ=ON clang build, which tests/fuzz/run.sh makes in its own
# directory; the ctest fuzz_smoke (label "fuzz") calls run.sh for a minute.
set(HH_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
# The services plugin's sources, and the tasks plugin's through a wrapper
# that renames its entry symbol (both plugins define one), with the code
# every plugin compiles in (once: both share it here).
file(GLOB HH_FUZZ_PLUGIN_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/plugins/services/*.c
     ${CMAKE_SOURCE_DIR}/plugins/common/*.c)
list(APPEND HH_FUZZ_PLUGIN_SOURCES ${HH_FUZZ_DIR}/fuzz_tasks_plugin.c ${CMAKE_SOURCE_DIR}/plugins/tasks/task_decode.c)

add_executable(fuzz_hive_replay ${HH_FUZZ_DIR}/fuzz_hive.c ${HH_FUZZ_PLUGIN_SOURCES})
target_compile_definitions(fuzz_hive_replay PRIVATE HH_FUZZ_STANDALONE)
target_include_directories(fuzz_hive_replay PRIVATE ${CMAKE_SOURCE_DIR}/plugins/common)
target_link_libraries(fuzz_hive_replay PRIVATE hhcore PkgConfig::LUA)

if(HH_FUZZ)
  add_executable(fuzz_hive ${HH_FUZZ_DIR}/fuzz_hive.c ${HH_FUZZ_PLUGIN_SOURCES})
  target_include_directories(fuzz_hive PRIVATE ${CMAKE_SOURCE_DIR}/plugins/common)
  target_link_libraries(fuzz_hive PRIVATE hhcore PkgConfig::LUA)
  target_link_options(fuzz_hive PRIVATE -fsanitize=fuzzer)
endif()

# Small seed hives of our own (a few KB each: cheap to mutate).
set(HH_FUZZ_SEED_DIR ${CMAKE_BINARY_DIR}/fuzz-seeds)
add_custom_command(OUTPUT ${HH_FUZZ_SEED_DIR}/seed-system ${HH_FUZZ_SEED_DIR}/seed-system-ri
                          ${HH_FUZZ_SEED_DIR}/seed-software
  COMMAND ${CMAKE_COMMAND} -E make_directory ${HH_FUZZ_SEED_DIR}
  COMMAND hh-mkhive ${HH_FUZZ_DIR}/seed-system.spec ${HH_FUZZ_SEED_DIR}/seed-system
  COMMAND hh-mkhive ${HH_FUZZ_DIR}/seed-system.spec ${HH_FUZZ_SEED_DIR}/seed-system-ri --ri-threshold 2
  COMMAND hh-mkhive ${HH_FUZZ_DIR}/seed-software.spec ${HH_FUZZ_SEED_DIR}/seed-software
  DEPENDS hh-mkhive ${HH_FUZZ_DIR}/seed-system.spec ${HH_FUZZ_DIR}/seed-software.spec
  COMMENT "Fuzz seed hives"
  VERBATIM)
add_custom_target(fuzz_seeds ALL DEPENDS ${HH_FUZZ_SEED_DIR}/seed-system ${HH_FUZZ_SEED_DIR}/seed-system-ri
                                         ${HH_FUZZ_SEED_DIR}/seed-software)

# Regression inputs (tests/fuzz/regressions/, each with a note) replayed on
# every build, so a fixed crash stays fixed even where clang is absent.
add_test(NAME fuzz_regressions
  COMMAND ${HH_FUZZ_DIR}/replay_regressions.sh $<TARGET_FILE:fuzz_hive_replay> $<TARGET_FILE:hh-mkhive>)
set_tests_properties(fuzz_regressions PROPERTIES ENVIRONMENT "${HH_TEST_ENV}" LABELS "fuzz")

add_test(NAME fuzz_smoke COMMAND ${HH_FUZZ_DIR}/run.sh 60)
set_tests_properties(fuzz_smoke PROPERTIES ENVIRONMENT "${HH_TEST_ENV};HH_FUZZ_BUILD=${CMAKE_BINARY_DIR}/fuzz-build"
  LABELS "fuzz;slow" TIMEOUT 900)
