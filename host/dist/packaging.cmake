# What an install holds besides the targets (host/ installs the binary,
# plugins/ every plugin, include/ the SDK): the shipped Lua, the man page and
# bash completion; and the Debian packages, `cpack -G DEB` in the build dir:
# hivehunt (the tool) and hivehunt-dev (the plugin SDK).

# Every lua/**.lua: the policies of every plugin and their helpers, byte for
# byte, so the host's precompiled copies of them (lua_bundle.h) still apply.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/lua/ DESTINATION ${HH_LUA_INSTALL_DEST}
  FILES_MATCHING PATTERN "*.lua")

# Man pages are installed compressed (Debian policy); -n keeps the bytes
# independent of the build time.
find_program(HH_GZIP gzip REQUIRED)
set(HH_MAN_GZ ${CMAKE_CURRENT_BINARY_DIR}/hivehunt.1.gz)
add_custom_command(OUTPUT ${HH_MAN_GZ}
  COMMAND ${HH_GZIP} -9nc ${CMAKE_CURRENT_LIST_DIR}/hivehunt.1 > ${HH_MAN_GZ}
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/hivehunt.1
  COMMENT "Compressing hivehunt(1)")
add_custom_target(hivehunt_man ALL DEPENDS ${HH_MAN_GZ})
install(FILES ${HH_MAN_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/hivehunt.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME hivehunt)

# cpack installs the build as it is instead of first re-checking every
# target (`cmake --install` never builds either): build, then package.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hivehunt)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "offline Windows registry persistence hunter")
set(CPACK_PACKAGE_CONTACT "hivehunt maintainers <maintainers@hivehunt.invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime sdk)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME hivehunt)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
  "offline Windows registry persistence hunter\n\
 Hunts malicious Windows service persistence (MITRE ATT&CK T1543.003) in\n\
 acquired registry hives, offline. Plugins extract rows in C; sandboxed Lua\n\
 policies judge them. Reports as table, CSV, JSON lines, TLN or HTML.")
# Depends from the libraries the binary and plugins load (dpkg-shlibdeps).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
# `hivehunt shell` loads readline for line editing when it has a terminal.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "libreadline8")
set(CPACK_DEBIAN_SDK_PACKAGE_NAME hivehunt-dev)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_SDK_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS "hivehunt (= ${PROJECT_VERSION}), liblua5.4-dev, pkgconf | pkg-config")
set(CPACK_DEBIAN_SDK_DESCRIPTION
  "plugin SDK for hivehunt\n\
 The plugin ABI header, hivehunt-plugin.pc (pkg-config) and a CMake package\n\
 (find_package(hivehunt)) to build hivehunt plugins outside its source tree.")
include(CPack)
