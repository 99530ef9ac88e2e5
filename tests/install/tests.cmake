# Installing: the man page against --help, bash completion, a moved install
# tree, the plugin SDK with an out-of-tree plugin, the Debian package.
hh_add_busted(manpage ${CMAKE_CURRENT_LIST_DIR}/manpage_spec.lua)

add_test(NAME bash_completion COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/completion_test.sh)
set_tests_properties(bash_completion PROPERTIES ENVIRONMENT "${HH_TEST_ENV}")
set_tests_properties(manpage bash_completion PROPERTIES LABELS install)

# Installing builds and runs trees of their own: in the plain build only
# (the sanitizer and fuzz builds re-run the suite, not these).
if(NOT HH_SANITIZE AND NOT HH_FUZZ)
  add_test(NAME install_relocated COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/install_test.sh)
  add_test(NAME plugin_sdk COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/sdk_test.sh)
  add_test(NAME deb_package COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/deb_test.sh)
  # A clean environment of their own: none of the test variables that point
  # the binary at the build tree.
  set_tests_properties(install_relocated plugin_sdk deb_package PROPERTIES
    ENVIRONMENT "HH_BUILD_DIR=${CMAKE_BINARY_DIR};HH_SOURCE_DIR=${CMAKE_SOURCE_DIR};HH_TESTDATA=${HH_TESTDATA_BUILD_DIR};HH_BIN=$<TARGET_FILE:hivehunt>"
    LABELS install TIMEOUT 300)
  # apt and the man-db trigger take a minute on a busy machine: out of the quick loop.
  set_tests_properties(deb_package PROPERTIES LABELS "install;slow")
  # The package test installs into /usr: never two at once.
  set_tests_properties(deb_package PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL ON)
endif()
