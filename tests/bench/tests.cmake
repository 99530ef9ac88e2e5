# The benchmark (tests/bench/run.sh) is not a test; this builds its reference
# program: the libregf calls a hunt needs and nothing else.
add_executable(hh-libregf-floor ${CMAKE_CURRENT_LIST_DIR}/libregf_floor.c)
target_link_libraries(hh-libregf-floor PRIVATE PkgConfig::REGF PkgConfig::BFIO)
set_target_properties(hh-libregf-floor PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)

# The benchmark's synthetic hives are laid out as Windows lays hives out: 4 KB
# bins, a larger one only for a cell that needs it (hbins.py --strict).
find_program(HH_PYTHON3 python3 REQUIRED)
add_test(NAME bench_hive_layout
  COMMAND ${HH_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/hbins.py --strict ${HH_TESTDATA_BUILD_DIR}/bench/SYSTEM-5000)
