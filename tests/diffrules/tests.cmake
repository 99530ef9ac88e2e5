# Pure-Lua specs for the baseline, control-set and time rules and their
# helpers (hh.json, hh.time, hh.diff). No hives needed.
foreach(spec json time diff baseline controlset time_rules sandbox contract)
  hh_add_busted(diffrules_${spec} tests/diffrules/${spec}_spec.lua)
endforeach()

# The rules on the corpus hives: busted inside `hivehunt lua`, where
# require "plugin.services" gives the policy's real input.
add_test(NAME diffrules_corpus
  COMMAND $<TARGET_FILE:hivehunt> lua ${HH_BUSTED} --output=TAP tests/diffrules/corpus_spec.lua
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(diffrules_corpus PROPERTIES ENVIRONMENT "${HH_TEST_ENV}")

# Every compromised fixture against the clean baseline (fixtures built by
# tests/hivewriter into HH_TESTDATA), also inside `hivehunt lua`.
add_test(NAME diffrules_fixtures
  COMMAND $<TARGET_FILE:hivehunt> lua ${HH_BUSTED} --output=TAP tests/diffrules/fixtures_spec.lua
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(diffrules_fixtures PROPERTIES ENVIRONMENT "${HH_TEST_ENV}")
