# The raw cell layer: transaction log replay, deleted-key recovery and the
# damaged-hive fallback. Real-hive specs skip when HH_CORPUS is absent.
hh_add_ctest(raw_marvin32 ${CMAKE_CURRENT_LIST_DIR}/marvin32_test.c)
hh_add_ctest(raw_cells ${CMAKE_CURRENT_LIST_DIR}/raw_cells_test.c)
hh_add_busted(raw_replay ${CMAKE_CURRENT_LIST_DIR}/replay_spec.lua)
hh_add_busted(raw_damaged ${CMAKE_CURRENT_LIST_DIR}/damaged_spec.lua)
hh_add_busted(raw_deleted ${CMAKE_CURRENT_LIST_DIR}/deleted_spec.lua)
hh_add_busted(raw_cli ${CMAKE_CURRENT_LIST_DIR}/cli_spec.lua)
# The cells reader against libregf: every fixture, corpus hive (when
# present), fuzz regression input and a few hundred mutants must read the
# same under --reader cells and --reader libregf (readerdiff.sh).
add_executable(readerdiff ${CMAKE_CURRENT_LIST_DIR}/readerdiff.c)
target_link_libraries(readerdiff PRIVATE hhcore PkgConfig::LUA)
foreach(mode fixtures corpus list)
  add_test(NAME raw_readerdiff_${mode}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/readerdiff.sh ${mode} $<TARGET_FILE:readerdiff> $<TARGET_FILE:hivehunt>
            ${CMAKE_BINARY_DIR}/testdata ${CMAKE_SOURCE_DIR}/tests/fuzz/regressions)
  set_tests_properties(raw_readerdiff_${mode} PROPERTIES ENVIRONMENT "${HH_TEST_ENV}")
endforeach()
