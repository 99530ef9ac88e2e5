# The benchmark (tests/bench/run.sh) is not a test; this builds its reference
# program: the libregf calls a hunt needs and nothing else.
add_executable(hh-libregf-floor ${CMAKE_CURRENT_LIST_DIR}/libregf_floor.c)
target_link_libraries(hh-libregf-floor PRIVATE PkgConfig::REGF PkgConfig::BFIO)
set_target_properties(hh-libregf-floor PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
