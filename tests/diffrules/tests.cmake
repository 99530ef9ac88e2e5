# Pure-Lua specs for the baseline, control-set and time rules and their
# helpers (hh.json, hh.time, hh.diff). No hives needed.
foreach(spec json time diff baseline controlset time_rules sandbox contract corpus)
  hh_add_busted(diffrules_${spec} tests/diffrules/${spec}_spec.lua)
endforeach()
