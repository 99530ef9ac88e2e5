# What an install holds besides the targets (host/ installs the binary,
# plugins/ every plugin, include/ the SDK): the shipped Lua, the man page and
# bash completion.

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
