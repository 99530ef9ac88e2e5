# Installing: the man page against --help, bash completion, a moved install
# tree, the plugin SDK with an out-of-tree plugin, the Debian package.
hh_add_busted(manpage ${CMAKE_CURRENT_LIST_DIR}/manpage_spec.lua)

add_test(NAME bash_completion COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/completion_test.sh)
set_tests_properties(bash_completion PROPERTIES ENVIRONMENT "${HH_TEST_ENV}")

