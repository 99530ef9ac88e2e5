# Hostile input and hostile policies through the command line (issue 7).
# inputs_spec: broken fixtures, broken corpus hives and seeded mutations
# through hunt and services; the mutations also go in-process through the
# fuzz entry point (fuzz_hive_replay, tests/fuzz/).
hh_add_busted(hostile_inputs ${CMAKE_CURRENT_LIST_DIR}/inputs_spec.lua)
set_property(TEST hostile_inputs APPEND PROPERTY ENVIRONMENT
  "HH_FUZZ_SEEDS=${CMAKE_BINARY_DIR}/fuzz-seeds"
  "HH_FUZZ_REPLAY=$<TARGET_FILE:fuzz_hive_replay>")
set_tests_properties(hostile_inputs PROPERTIES LABELS "hostile" TIMEOUT 600)

# policy_spec: --policy files that loop, allocate, reach for os/io/C modules,
# load bytecode, raise or return malformed findings: exit 4, one line, no
# side effect on disk, no --output written.
hh_add_busted(hostile_policies ${CMAKE_CURRENT_LIST_DIR}/policy_spec.lua)
set_property(TEST hostile_policies APPEND PROPERTY ENVIRONMENT "HH_FUZZ_SEEDS=${CMAKE_BINARY_DIR}/fuzz-seeds")
set_tests_properties(hostile_policies PROPERTIES LABELS "hostile" TIMEOUT 300)

# output_spec: a hive with formulas, markup, delimiters, terminal escapes and
# invalid UTF-16 in names and values (hostile-names.spec, built here) through
# every --format, parsed back.
set(HH_HOSTILE_NAMES_HIVE ${CMAKE_BINARY_DIR}/hostile/hostile-names)
add_custom_command(OUTPUT ${HH_HOSTILE_NAMES_HIVE}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/hostile
  COMMAND hh-mkhive ${CMAKE_CURRENT_LIST_DIR}/hostile-names.spec ${HH_HOSTILE_NAMES_HIVE}
  DEPENDS hh-mkhive ${CMAKE_CURRENT_LIST_DIR}/hostile-names.spec
  COMMENT "Fixture hive hostile/hostile-names"
  VERBATIM)
add_custom_target(hostile_names_hive ALL DEPENDS ${HH_HOSTILE_NAMES_HIVE})
hh_add_busted(hostile_output ${CMAKE_CURRENT_LIST_DIR}/output_spec.lua)
set_property(TEST hostile_output APPEND PROPERTY ENVIRONMENT
  "HH_HOSTILE_NAMES=${HH_HOSTILE_NAMES_HIVE}" "HH_FUZZ_SEEDS=${CMAKE_BINARY_DIR}/fuzz-seeds")
set_tests_properties(hostile_output PROPERTIES LABELS "hostile" TIMEOUT 300)
