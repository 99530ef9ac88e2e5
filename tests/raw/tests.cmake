# The raw cell layer: transaction log replay, deleted-key recovery and the
# damaged-hive fallback. Real-hive specs skip when HH_CORPUS is absent.
hh_add_ctest(raw_marvin32 ${CMAKE_CURRENT_LIST_DIR}/marvin32_test.c)
hh_add_ctest(raw_cells ${CMAKE_CURRENT_LIST_DIR}/raw_cells_test.c)
hh_add_busted(raw_replay ${CMAKE_CURRENT_LIST_DIR}/replay_spec.lua)
hh_add_busted(raw_damaged ${CMAKE_CURRENT_LIST_DIR}/damaged_spec.lua)
hh_add_busted(raw_deleted ${CMAKE_CURRENT_LIST_DIR}/deleted_spec.lua)
hh_add_busted(raw_cli ${CMAKE_CURRENT_LIST_DIR}/cli_spec.lua)
