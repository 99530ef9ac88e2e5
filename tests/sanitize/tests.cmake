# The sanitizer run (issue 7): the whole suite again in an ASan + UBSan
# build with leak checking (tests/sanitize/run.sh says what it leaves out
# and why). Registered only in the plain build, so it never recurses.
if(NOT HH_SANITIZE AND NOT HH_FUZZ)
  add_test(NAME sanitize_suite COMMAND ${CMAKE_CURRENT_LIST_DIR}/run.sh)
  set_tests_properties(sanitize_suite PROPERTIES
    ENVIRONMENT "HH_SANITIZE_BUILD=${CMAKE_BINARY_DIR}/asan-build;HH_CORPUS=${HH_CORPUS_DIR}"
    LABELS "sanitize;slow" TIMEOUT 2400)
endif()
