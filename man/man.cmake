# man/man.cmake - man pages (issue 6), written in scdoc(5) and built with
# the project when scdoc is installed (Debian: apt install scdoc).
# Included from systemd/install.cmake.

find_program(SCDOC scdoc)
set(NERD_MAN_PAGES nerd.8 nerd.conf.5 nerd-gazetteer.5 nerd-rules.5)
if(SCDOC)
  set(_nerd_man_out)
  foreach(page ${NERD_MAN_PAGES})
    string(REGEX MATCH "[0-9]$" _sec ${page})
    add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${SCDOC} < ${CMAKE_SOURCE_DIR}/man/${page}.scd
        > ${CMAKE_BINARY_DIR}/man/${page}
      DEPENDS ${CMAKE_SOURCE_DIR}/man/${page}.scd
      COMMENT "scdoc ${page}" VERBATIM)
    list(APPEND _nerd_man_out ${CMAKE_BINARY_DIR}/man/${page})
    install(FILES ${CMAKE_BINARY_DIR}/man/${page}
      DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_sec})
  endforeach()
  add_custom_target(man ALL DEPENDS ${_nerd_man_out})
else()
  message(STATUS "scdoc not found: man pages will not be built or installed")
endif()
