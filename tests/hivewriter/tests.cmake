# hh-mkhive, the REGF writer for fixtures, and the fixture hives it builds
# from testdata/*.spec at build time (fixtures are never committed as binaries).
set(HH_WRITER_DIR ${CMAKE_CURRENT_LIST_DIR})
add_executable(hh-mkhive
  ${HH_WRITER_DIR}/main.c ${HH_WRITER_DIR}/model.c ${HH_WRITER_DIR}/spec.c
  ${HH_WRITER_DIR}/regf_write.c ${HH_WRITER_DIR}/dump.c ${HH_WRITER_DIR}/generate.c
  ${HH_WRITER_DIR}/taskcache.c)
set_target_properties(hh-mkhive PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)

# Any spec may @include another, so every fixture depends on all of them.
file(GLOB_RECURSE HH_FIXTURE_SPECS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/testdata/*.spec)
add_custom_target(fixtures ALL)

# hh_fixture(NAME SPEC [KIND wellformed|broken] [OPTIONS...]): build
# ${HH_TESTDATA_BUILD_DIR}/NAME from SPEC (relative to testdata/) with
# hh-mkhive options. "broken" fixtures are hostile on purpose: the
# third-party-reader and round-trip tests skip them.
function(hh_fixture name spec)
  set(kind wellformed)
  set(opts ${ARGN})
  list(LENGTH opts n)
  if(n GREATER 1)
    list(GET opts 0 first)
    if(first STREQUAL "KIND")
      list(GET opts 1 kind)
      list(REMOVE_AT opts 0 1)
    endif()
  endif()
  if(NOT IS_ABSOLUTE ${spec})
    set(spec ${CMAKE_SOURCE_DIR}/testdata/${spec})
  endif()
  set(out ${HH_TESTDATA_BUILD_DIR}/${name})
  get_filename_component(outdir ${out} DIRECTORY)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${outdir}
    COMMAND hh-mkhive ${spec} ${out} ${opts}
    DEPENDS hh-mkhive ${spec} ${HH_FIXTURE_SPECS}
    COMMENT "Fixture hive ${name}"
    VERBATIM)
  string(MAKE_C_IDENTIFIER "fixture_${name}" target)
  add_custom_target(${target} DEPENDS ${out})
  add_dependencies(fixtures ${target})
  # One Lua table entry per fixture for the tests' manifest.
  set(optlua "")
  foreach(o ${opts})
    string(APPEND optlua "[==[${o}]==], ")
  endforeach()
  set_property(GLOBAL APPEND_STRING PROPERTY HH_FIXTURE_MANIFEST
    "  { name = [==[${name}]==], spec = [==[${spec}]==], kind = \"${kind}\", options = { ${optlua}} },\n")
endfunction()

include(${HH_WRITER_DIR}/fixtures.cmake)

# The manifest tells the specs which fixtures exist, how they were made, and
# where hh-mkhive is.
get_property(manifest GLOBAL PROPERTY HH_FIXTURE_MANIFEST)
file(GENERATE OUTPUT ${HH_TESTDATA_BUILD_DIR}/manifest.lua CONTENT
"return {
  mkhive = [==[$<TARGET_FILE:hh-mkhive>]==],
  testdata = [==[${HH_TESTDATA_BUILD_DIR}]==],
  fixtures = {
${manifest}  },
}
")

foreach(spec writer hostile thirdparty roundtrip findings)
  hh_add_busted(writer_${spec} ${CMAKE_SOURCE_DIR}/tests/writer/${spec}_spec.lua)
endforeach()
