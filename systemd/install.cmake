# systemd/install.cmake - install rules for running nerd as a system service
# (issue 6). Included from the top-level CMakeLists.txt, after
# include(GNUInstallDirs).
#
# Lays out, under the install prefix (and $DESTDIR):
#   <sysconfdir>/nerd/nerd.conf           etc/nerd.conf with its [engine] paths
#                                         pointed at <datadir>/nerd (never
#                                         overwrites an existing file)
#   <prefix>/lib/systemd/system/nerd.service
#                                         (or NERD_SYSTEMD_UNITDIR)
#   <mandir>/man8/nerd.8, man5/nerd.conf.5, nerd-gazetteer.5, nerd-rules.5
#                                         (man/man.cmake, if scdoc is found)
# and sets up CPack for a .deb (systemd/package.cmake).
#
# The unit and the config name absolute paths, so they are generated at
# install time from the prefix actually used: `cmake --install build
# --prefix /usr` gives ExecStart=/usr/bin/nerd and /etc/nerd/nerd.conf
# whatever prefix the build was configured with. A copy for the configured
# prefix is also written to <build>/systemd/ at configure time.

set(NERD_SYSTEMD_UNITDIR "" CACHE STRING
  "Directory for nerd.service (default: <prefix>/lib/systemd/system)")

# Configure-time copy, for the configured prefix (inspection, tests).
configure_file(${CMAKE_SOURCE_DIR}/systemd/nerd.service.in
  ${CMAKE_BINARY_DIR}/systemd/nerd.service @ONLY)

install(CODE "
  set(_src \"${CMAKE_SOURCE_DIR}\")
  set(_bin \"${CMAKE_BINARY_DIR}\")
  set(_unitdir \"${NERD_SYSTEMD_UNITDIR}\")
  set(_rel_bindir \"${CMAKE_INSTALL_BINDIR}\")
  set(_rel_datadir \"${CMAKE_INSTALL_DATADIR}\")
  set(_rel_sysconfdir \"${CMAKE_INSTALL_SYSCONFDIR}\")
  # GNUInstallDirs' rules for the full sysconfdir, applied to the prefix
  # given at install time.
  set(_p \"\${CMAKE_INSTALL_PREFIX}\")
  if(IS_ABSOLUTE \"\${_rel_sysconfdir}\")
    set(_sysconfdir \"\${_rel_sysconfdir}\")
  elseif(_p STREQUAL \"/usr\" AND _rel_sysconfdir STREQUAL \"etc\")
    set(_sysconfdir \"/etc\")
  elseif(_p STREQUAL \"/usr/local\" AND _rel_sysconfdir STREQUAL \"etc\")
    set(_sysconfdir \"/usr/local/etc\")
  else()
    set(_sysconfdir \"\${_p}/\${_rel_sysconfdir}\")
  endif()
  foreach(v bindir datadir)
    if(IS_ABSOLUTE \"\${_rel_\${v}}\")
      set(_\${v} \"\${_rel_\${v}}\")
    else()
      set(_\${v} \"\${_p}/\${_rel_\${v}}\")
    endif()
  endforeach()
  if(NOT _unitdir)
    set(_unitdir \"\${_p}/lib/systemd/system\")
  endif()

  # The unit, for this prefix.
  set(CMAKE_INSTALL_FULL_BINDIR \"\${_bindir}\")
  set(CMAKE_INSTALL_FULL_SYSCONFDIR \"\${_sysconfdir}\")
  configure_file(\"\${_src}/systemd/nerd.service.in\"
    \"\${_bin}/systemd/install/nerd.service\" @ONLY)
  file(INSTALL DESTINATION \"\${_unitdir}\" TYPE FILE
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
    FILES \"\${_bin}/systemd/install/nerd.service\")

  # The configuration: the bundled one, its data paths made absolute.
  file(READ \"\${_src}/etc/nerd.conf\" _conf)
  string(REPLACE \"gazetteers = ../gazetteers\"
    \"gazetteers = \${_datadir}/nerd/gazetteers\" _conf \"\${_conf}\")
  string(REPLACE \"rules = ../rules\"
    \"rules = \${_datadir}/nerd/rules\" _conf \"\${_conf}\")
  string(FIND \"\${_conf}\" \"gazetteers = \${_datadir}/nerd/gazetteers\" _g)
  string(FIND \"\${_conf}\" \"rules = \${_datadir}/nerd/rules\" _r)
  if(_g EQUAL -1 OR _r EQUAL -1)
    message(FATAL_ERROR \"etc/nerd.conf: cannot find the [engine] lines \"
      \"'gazetteers = ../gazetteers' and 'rules = ../rules' to rewrite\")
  endif()
  file(WRITE \"\${_bin}/systemd/install/nerd.conf\" \"\${_conf}\")
  if(EXISTS \"\$ENV{DESTDIR}\${_sysconfdir}/nerd/nerd.conf\")
    message(STATUS \"Keeping existing: \$ENV{DESTDIR}\${_sysconfdir}/nerd/nerd.conf\")
  else()
    file(INSTALL DESTINATION \"\${_sysconfdir}/nerd\" TYPE FILE
      PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
      FILES \"\${_bin}/systemd/install/nerd.conf\")
  endif()
")

# Man pages (scdoc).
include(${CMAKE_SOURCE_DIR}/man/man.cmake)

# The Debian package (CPack); after every install rule.
include(${CMAKE_CURRENT_LIST_DIR}/package.cmake)
