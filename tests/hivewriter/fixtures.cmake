# The fixture set (testdata/README.md says what each one plants).
hh_fixture(clean/SYSTEM clean-system.spec)
hh_fixture(clean/SOFTWARE clean-software.spec)
hh_fixture(clean-full/SYSTEM clean-full-system.spec)
hh_fixture(demo/SYSTEM demo/SYSTEM.spec)
hh_fixture(demo/SOFTWARE demo/SOFTWARE.spec)
hh_fixture(path-spellings path-spellings.spec)
hh_fixture(servicing-day/SYSTEM servicing-day.spec)
hh_fixture(servicing-day/intrusion servicing-day-intrusion.spec)
# One host's hives for the one-pass hunt (testdata/onepass/SYSTEM.spec says what they plant).
hh_fixture(onepass/SYSTEM onepass/SYSTEM.spec)
hh_fixture(onepass/SOFTWARE onepass/SOFTWARE.spec)
hh_fixture(onepass/alice-NTUSER onepass/alice-NTUSER.spec)
hh_fixture(onepass/bob-NTUSER onepass/bob-NTUSER.spec)

foreach(name psexec-service imagepath-repointed start-changed defender-disabled
             servicedll-swap svchost-group-unknown svchost-group-nonmember
             objectname-nonstandard name-random binary-impersonation interpreter-command
             unquoted-path failure-command driver-outside-drivers controlset-mismatch
             lastwrite-cluster service-deleted dirty)
  hh_fixture(compromised/${name} compromised/${name}.spec)
endforeach()

hh_fixture(writer/features writer-features.spec)
hh_fixture(writer/features-ri writer-features.spec --ri-threshold 4)
hh_fixture(writer/features-v13 writer-features.spec --version 1.3 --ri-threshold 7)

# Broken on purpose (for the reliability work); each note is in testdata/README.md.
hh_fixture(broken/truncated clean-system.spec KIND broken --truncate 40000)
hh_fixture(broken/bad-checksum clean-system.spec KIND broken --bad-checksum)
hh_fixture(broken/lying-cell-size clean-system.spec KIND broken
           --lie-cell-size ControlSet001\\Services\\Spooler)
hh_fixture(broken/subkey-cycle clean-system.spec KIND broken
           --subkey-cycle ControlSet001\\Services\\Schedule)
hh_fixture(broken/control-char-name broken/control-char-name.spec KIND broken)
hh_fixture(broken/lone-surrogate-name broken/lone-surrogate-name.spec KIND broken)

# The benchmark's large SYSTEM: 5000 generated services in two control sets.
set(HH_BENCH_HIVE ${HH_TESTDATA_BUILD_DIR}/bench/SYSTEM-5000)
add_custom_command(OUTPUT ${HH_BENCH_HIVE}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${HH_TESTDATA_BUILD_DIR}/bench
  COMMAND hh-mkhive --generate-services 5000 ${HH_BENCH_HIVE}
  DEPENDS hh-mkhive
  COMMENT "Fixture hive bench/SYSTEM-5000"
  VERBATIM)
add_custom_target(fixture_bench DEPENDS ${HH_BENCH_HIVE})
add_dependencies(fixtures fixture_bench)

# Scheduled tasks: a SOFTWARE with a stock TaskCache, and the same with one planted task per
# tasks rule (testdata/README.md, "Scheduled tasks").
hh_fixture(tasks/clean/SOFTWARE tasks/clean-SOFTWARE.spec)
hh_fixture(tasks/compromised/SOFTWARE tasks/compromised-SOFTWARE.spec)
