# Reporters (host/report/): unit tests in C, and specs that
# write every format from a hostile fixture and parse it back with real
# parsers (lua-cjson, python3's csv and json, headless Chromium).
hh_add_ctest(report_unit ${CMAKE_CURRENT_LIST_DIR}/report_unit_test.c)
hh_add_ctest(report_random ${CMAKE_CURRENT_LIST_DIR}/report_random_test.c)

add_executable(report_tool ${CMAKE_CURRENT_LIST_DIR}/report_tool.c)
target_link_libraries(report_tool PRIVATE hhcore PkgConfig::LUA)

hh_add_busted(report_formats ${CMAKE_CURRENT_LIST_DIR}/formats_spec.lua)
set_property(TEST report_formats APPEND PROPERTY ENVIRONMENT
  "HH_REPORT_TOOL=$<TARGET_FILE:report_tool>"
  "HH_REPORT_FIXTURES=${CMAKE_CURRENT_LIST_DIR}")

hh_add_busted(report_html ${CMAKE_CURRENT_LIST_DIR}/html_spec.lua)
set_property(TEST report_html APPEND PROPERTY ENVIRONMENT
  "HH_REPORT_TOOL=$<TARGET_FILE:report_tool>"
  "HH_REPORT_FIXTURES=${CMAKE_CURRENT_LIST_DIR}")

# The formats through the real binary on the fixture hives with hostile names.
hh_add_busted(report_cli ${CMAKE_CURRENT_LIST_DIR}/cli_spec.lua)
